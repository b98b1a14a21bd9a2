import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { captureLog } from '../test-support/log-capture.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { silenceList } from './schemas.js';

const clock = new FakeClock(Date.parse('2026-12-03T08:00:00Z'));
const captured = captureLog('warn');
let fx: ApiFixture;
let app: FastifyInstance;

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-silences-api', clock });
  app = await fx.build({}, { logger: captured.log });
});

afterAll(async () => {
  await fx.close();
});

const post = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/silences', payload: { host: 'h1', comment: 'maintenance', ...payload } });
const list = async () => {
  const res = await app.inject({ url: '/v1/silences' });
  expect(res.statusCode).toBe(200);
  return silenceList.parse(res.json()).silences;
};

describe('api silences - every time input is bounded before anything is stored', () => {
  it.each([
    [{ duration: '999999999d' }, /body\.duration: must be at most 365d \(got "999999999d"\)/],
    [{ duration: '366d' }, /body\.duration: must be at most 365d/],
    [{ duration: '0s' }, /body\.duration: must be longer than 0/],
    [{ duration: `${'9'.repeat(40)}d` }, /body\.duration/],
    [{ endsAt: '9999-12-31T23:59:59Z' }, /body\.endsAt: a silence lasts at most 365d \(got "9999-12-31T23:59:59Z"\)/],
    [{ startsAt: '9999-01-01T00:00:00Z', duration: '1h' }, /body\.startsAt: must be within 365d of now \(got "9999-01-01T00:00:00Z"\)/],
    [{ startsAt: '0001-01-01T00:00:00Z', endsAt: '2026-12-04T00:00:00Z' }, /body\.startsAt: must be within 365d of now/],
  ])('refuses %j with a 400 naming the field and value', async (payload, message) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('BAD_REQUEST');
    expect(res.json().error.message).toMatch(message);
    expect(await list()).toEqual([]);
  });

  it('accepts a silence of exactly 365d', async () => {
    const res = await post({ duration: '365d' });
    expect(res.statusCode).toBe(201);
    expect(res.json().silence.endsAt).toBe('2027-12-03T08:00:00.000Z');
    expect((await list()).map((s) => s.id)).toEqual([res.json().silence.id]);
    expect((await app.inject({ method: 'DELETE', url: `/v1/silences/${res.json().silence.id}` })).statusCode).toBe(204);
  });

  it('lists the other silences and warns about a stored row whose times cannot be rendered', async () => {
    const ok = (await post({ duration: '2h' })).json().silence.id as string;
    // A row stored before the bounds existed: 999999999d past the epoch range of Date.
    fx.incidents.store.addSilence({
      id: 'sil-broken', hostId: 'h2', service: null, class: null, startsAt: clock.now(), endsAt: clock.now() + 999_999_999 * 86_400_000,
      comment: 'old', createdBy: 'alice', createdAt: clock.now(), expiredAt: null,
    });
    expect((await list()).map((s) => s.id)).toEqual([ok]);
    expect(captured.lines.find((l) => l.silenceId === 'sil-broken')).toMatchObject({ level: 40, msg: expect.stringMatching(/DELETE \/v1\/silences\/sil-broken/) });
    expect((await app.inject({ method: 'DELETE', url: '/v1/silences/sil-broken' })).statusCode).toBe(204);
  });
});
