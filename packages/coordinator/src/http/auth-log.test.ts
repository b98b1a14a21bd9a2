import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { captureLog } from '../test-support/log-capture.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { hashToken } from './auth.js';

const GOOD = 'good-token-0123456789';
const WRONG = 'wrong-token-secret-9876543210';
const clock = new FakeClock(Date.parse('2026-12-03T08:00:00Z'));
const captured = captureLog('info');
let fx: ApiFixture;
let app: FastifyInstance;

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-auth-log', clock });
  app = await fx.build({ tokens: [{ name: 'alice', role: 'operator', sha256: hashToken(GOOD) }] }, { logger: captured.log });
});

afterAll(async () => {
  await fx.close();
});

const rejections = () => captured.lines.filter((l) => l.event === 'api_auth_rejected');

describe('api auth - refused requests are logged, rate-limited, without the token', () => {
  it('logs one warning per source address and minute, with the count of the rest', async () => {
    const bad = { authorization: `Bearer ${WRONG}` };
    for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/v1/hosts', headers: bad, remoteAddress: '10.1.2.3' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/incidents', remoteAddress: '10.1.2.3' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/hosts', headers: { authorization: `Bearer ${GOOD}` }, remoteAddress: '10.1.2.3' })).statusCode).toBe(200);
    expect(rejections()).toEqual([expect.objectContaining({ level: 40, source: '10.1.2.3', reason: 'unknown token', path: '/v1/hosts', suppressedSinceLast: 0 })]);

    await app.inject({ url: '/v1/hosts', headers: bad, remoteAddress: '10.9.9.9' });
    expect(rejections().map((l) => l.source)).toEqual(['10.1.2.3', '10.9.9.9']);

    clock.advance(60_000);
    await app.inject({ url: '/v1/incidents', remoteAddress: '10.1.2.3' });
    expect(rejections().at(-1)).toMatchObject({ source: '10.1.2.3', reason: 'no bearer token', suppressedSinceLast: 5 });
    expect(rejections()).toHaveLength(3);
    expect(JSON.stringify(captured.lines)).not.toContain(WRONG);
  });
});
