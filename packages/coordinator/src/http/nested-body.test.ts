import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';

let fx: ApiFixture;
let app: FastifyInstance;

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-nested-body' });
  app = await fx.build();
});

afterAll(async () => {
  await fx.close();
});

const nested = (depth: number, leaf = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);

describe('api bodies - deeply nested JSON', () => {
  it.each([
    ['the whole body', nested(10_000)],
    ['a field', `{"comment":${nested(10_000)},"host":"h1","duration":"1h"}`],
    ['an object chain', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
  ])('answers 400 with a short message for %s nested 10,000 deep', async (_what, payload) => {
    for (const url of ['/v1/silences', '/v1/incidents/inc-x/ack']) {
      const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('BAD_REQUEST');
      expect(res.json().error.message.length).toBeLessThan(300);
    }
  });

  it('names the field and cuts the value shown', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/silences', headers: { 'content-type': 'application/json' }, payload: `{"host":"h1","duration":"1h","comment":${nested(10_000, '"x"')}}` });
    expect(res.json().error.message).toMatch(/^body\.comment: .* \(got \[\[\[+\.\.\.\)$/);
  });

  it('keeps the message short for a body with thousands of unknown fields', async () => {
    const body = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`field${i}`, i]));
    const res = await app.inject({ method: 'POST', url: '/v1/silences', payload: { host: 'h1', duration: '1h', comment: 'x', ...body } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^body: /);
    expect(res.json().error.message.length).toBeLessThanOrEqual(500);
  });
});
