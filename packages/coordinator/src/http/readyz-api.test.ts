import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { HeartbeatWriter } from '../registry/heartbeat-writer.js';
import { Readiness } from '../readiness.js';
import { hashToken } from './auth.js';
import { readiness as readinessBody } from './schemas.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';

let fx: ApiFixture;
let readiness: Readiness;
let app: FastifyInstance;

beforeEach(async () => {
  fx = openApiFixture({ name: 'vigil-readyz' });
  readiness = new Readiness(fx.clock, 60_000);
  // With tokens configured: /readyz must still need none, as a load balancer has none.
  app = await fx.build({
    readiness: () => readiness.check(),
    tokens: [{ name: 'ops', role: 'operator', sha256: hashToken('a-token-of-at-least-16') }],
  });
});
afterEach(() => fx.close());

async function readyz() {
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  return { status: res.statusCode, body: readinessBody.parse(res.json()) };
}

describe('GET /readyz', () => {
  it('is 200 {ready:true} without a token while the store writes and events flow', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { ready: true } });
  });

  it('is 503 with the reason while a heartbeat commit fails, and 200 again after the next commit', async () => {
    const writer = new HeartbeatWriter(fx.db, fx.hostStore, undefined, undefined, undefined, readiness);
    const beat = () => {
      const result: { err?: Error } = {};
      writer.enqueue({ hostId: 'web-1', seq: 1, at: fx.clock.now(), sample: null, services: [] }, (err) => (result.err = err));
      writer.flush();
      return result;
    };
    // A store that refuses writes, as on a full disk or a read-only remount.
    fx.db.pragma('query_only = ON');
    expect(beat().err).toBeInstanceOf(Error);
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ ready: false, reasons: [expect.stringMatching(/^store cannot write since 2026-12-03T08:00:00.000Z: .*readonly/)] });
    fx.db.pragma('query_only = OFF');
    expect(beat().err).toBeUndefined();
    expect(await readyz()).toEqual({ status: 200, body: { ready: true } });
  });

  it('stays 200 while events wait within the grace and is 503 once they wait beyond it', async () => {
    readiness.publishFailing(fx.clock.now());
    fx.clock.advance(60_000);
    expect((await readyz()).status).toBe(200);
    fx.clock.advance(1000);
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ ready: false, reasons: [expect.stringMatching(/^events not published for 61s \(since 2026-12-03T08:00:00.000Z; grace 60s\)$/)] });
    readiness.publishFailing(undefined);
    expect((await readyz()).status).toBe(200);
  });

  it('lists every reason at once', async () => {
    readiness.storeFailed(new Error('database or disk is full'));
    readiness.publishFailing(fx.clock.now() - 120_000);
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.ready === false && down.body.reasons).toEqual([expect.stringContaining('database or disk is full'), expect.stringContaining('events not published for 120s')]);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/openapi.json', headers: { authorization: 'Bearer a-token-of-at-least-16' } })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/readyz');
  });
});
