import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';

let fx: ApiFixture;
let app: FastifyInstance;

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-bad-url' });
  app = await fx.build();
});

afterAll(async () => {
  await fx.close();
});

// Counterexamples found by test/fuzz/http-api.fuzz.test.ts.
describe('api urls - what the router refuses', () => {
  it.each(['/v1/hosts/%zz', '/v1/incidents/%/reopen', '/v1/hosts/%E0%A4%A'])('a percent escape that does not decode (%s) is a 400 in the API error shape', async (url) => {
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: `url: a percent escape does not decode to UTF-8 (got ${JSON.stringify(url)})` } });
  });

  it('a bad escape in a 5,000-character url is quoted cut short', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/hosts/%zz${'a'.repeat(5000)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message.length).toBeLessThan(200);
  });

  it('an unknown 5,000-character path is a 404 whose message quotes it cut short', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/nothing/${'a'.repeat(5000)}` });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toMatch(/^no route GET "\/v1\/nothing\/a+\.\.\."$/);
    expect(res.json().error.message.length).toBeLessThan(300);
  });
});
