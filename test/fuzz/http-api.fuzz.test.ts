import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValidHello } from '@vigil/shared';
import { openApiFixture, type ApiFixture } from '../../packages/coordinator/src/test-support/api-fixture.js';
import { fuzzAsync, oddString, fuzzTimeout } from './fuzz.js';

type Inject = (opts: { method: string; url: string; payload?: string; headers?: Record<string, string> }) => Promise<{ statusCode: number; body: string }>;

/** Every route of the API, with its parameters as `:name`. */
const ROUTES: readonly (readonly [string, string])[] = [
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['GET', '/openapi.json'],
  ['GET', '/v1/hosts'],
  ['GET', '/v1/hosts/:id'],
  ['GET', '/v1/hosts/:id/series'],
  ['DELETE', '/v1/hosts/:id'],
  ['POST', '/v1/hosts/:id/diagnose'],
  ['POST', '/v1/hosts/:id/services/:name/restart'],
  ['POST', '/v1/hosts/:id/services/:name/reset-budget'],
  ['GET', '/v1/incidents'],
  ['GET', '/v1/incidents/:id'],
  ['POST', '/v1/incidents/:id/ack'],
  ['POST', '/v1/incidents/:id/resolve'],
  ['POST', '/v1/incidents/:id/reopen'],
  ['GET', '/v1/silences'],
  ['POST', '/v1/silences'],
  ['DELETE', '/v1/silences/:id'],
  ['GET', '/v1/predictions'],
];

/** Names the routes read, so random queries and bodies hit real fields as well as unknown ones. */
const FIELDS = ['state', 'label', 'host', 'service', 'class', 'status', 'limit', 'since', 'until', 'duration', 'endsAt', 'startsAt', 'comment', 'reason', 'by', 'note', 'kind', 'zone', 'q', 'cursor', 'metric', 'width', '__proto__', 'constructor'];

/** Percent-encodes the UTF-8 bytes of a text (a lone surrogate becomes U+FFFD, as a client would send it). */
const encode = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');

const segment = fc.oneof(
  fc.constantFrom('web-1', 'WEB-1.', 'svc', 'nope', 'inc-1', '1').map(encode),
  oddString(300).map(encode),
  // Broken escapes: the router must refuse them, not fail.
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%80', '%00', '..', '%2F', '%25'),
);

const value = fc.oneof(fc.constantFrom('online', 'silent', 'open', 'zone=eu-1', '30m', '999999999d', '-1', '0', '1e309', 'NaN', '2026-12-03T08:00:00Z', '9999-12-31T23:59:59Z', ''), oddString(100));
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), oddString(10)), value), { maxLength: 5 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}` : ''));

const jsonValue = fc.oneof(fc.constantFrom(...FIELDS).chain((k) => fc.dictionary(fc.constantFrom(k, ...FIELDS), fc.oneof(value, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 6 })), fc.jsonValue({ maxDepth: 3 }));
const body = fc.oneof(
  { weight: 4, arbitrary: jsonValue.map((v) => ({ payload: JSON.stringify(v), type: 'application/json' as string | undefined })) },
  { weight: 1, arbitrary: fc.record({ payload: oddString(200), type: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', undefined) }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => ({ payload: `${'['.repeat(n)}${']'.repeat(n)}`, type: 'application/json' as string | undefined })) },
  { weight: 1, arbitrary: fc.constant({ payload: undefined as string | undefined, type: undefined as string | undefined }) },
);

const request = fc.record({ route: fc.constantFrom(...ROUTES), id: segment, name: segment, query, body });

const hello = (hostId: string): ValidHello => ({
  hostId,
  agentVersion: '0.1.0',
  hostname: hostId,
  os: null,
  services: [{ name: 'svc', manager: 'systemd', recoveryEnabled: true, ports: [] }],
  capabilities: [],
  intervalMs: 5000,
  labels: { zone: 'eu-1' },
  startedAtMs: 1,
});

describe('fuzz - HTTP bodies, queries and parameters', () => {
  let fx: ApiFixture;
  let inject: Inject;

  beforeAll(async () => {
    fx = openApiFixture({ name: 'vigil-fuzz-http' });
    fx.registry.hello(hello('web-1'), 5000, 1);
    const app = await fx.build();
    inject = app.inject.bind(app) as unknown as Inject;
  });
  afterAll(async () => {
    await fx?.close();
  }, fuzzTimeout());

  it('no request gets a 500; every error is {error:{code,message}} with a bounded message; a 400 from a schema names the field', async () => {
    const statuses = new Map<number, number>();
    await fuzzAsync('http api', 600, request, async ({ route: [method, path], id, name, query: q, body: b }) => {
      const url = path.replace(':id', id).replace(':name', name) + q;
      const res = await inject({ method, url, ...(b.payload === undefined ? {} : { payload: b.payload }), headers: b.type ? { 'content-type': b.type } : {} });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500 && res.statusCode !== 503) throw new Error(`${method} ${url.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      if (res.statusCode < 400) return;
      const err = (JSON.parse(res.body) as { error: { code: string; message: string } }).error;
      expect(err.code).toMatch(/^[A-Z_]+$/);
      expect(err.code).not.toBe('INTERNAL');
      expect(err.message.length).toBeGreaterThan(0);
      expect(err.message.length).toBeLessThanOrEqual(500);
      if (res.statusCode === 400 && /\(got /.test(err.message)) expect(err.message).toMatch(/^(body|query|params|url)\b/);
    });
    console.log(`[measure] fuzz http api statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([c, n]) => `${c}×${n}`).join(' ')}`);
    // The requests must reach the handlers, not only the router's refusals.
    expect([...statuses.keys()].some((c) => c < 300)).toBe(true);
    // Still answering.
    expect((await inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  }, fuzzTimeout());
});
