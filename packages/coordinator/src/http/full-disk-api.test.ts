import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger, FakeClock } from '@vigil/shared';
import { Readiness } from '../readiness.js';
import { StoreWriteGuard } from '../store/write-guard.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { fillStore, freeStore } from '../test-support/full-store.js';
import { health } from './schemas.js';

let fx: ApiFixture;
let app: FastifyInstance;
let guard: StoreWriteGuard;
let readiness: Readiness;

beforeEach(async () => {
  const clock = new FakeClock(Date.parse('2026-12-03T08:00:00Z'));
  readiness = new Readiness(clock, 60_000);
  guard = new StoreWriteGuard(clock, createLogger('test', 'silent'), readiness);
  fx = openApiFixture({ name: 'vigil-full-disk-api', clock, registry: { storeGuard: guard } });
  app = await fx.build({ readiness: () => readiness.check(), storeGuard: guard });
});
afterEach(async () => {
  guard.stop();
  await fx.close();
});

const unavailable = (res: { statusCode: number; json: () => unknown }) => {
  expect(res.statusCode).toBe(503);
  expect(res.json()).toEqual({ error: { code: 'UNAVAILABLE', message: expect.stringMatching(/^the store cannot write \(database or disk is full(, SQLITE_FULL|; \d+ earlier writes wait to be written first)\); .* was not saved/) } });
};

describe('api - writes while the store is full', () => {
  it('answers 503 naming the store condition for silences, incident changes and host removal; changes nothing; works again once space returns', async () => {
    fx.registry.hello({ hostId: 'old-1', agentVersion: '1', hostname: 'old-1', os: null, services: [], capabilities: [], intervalMs: 1000, labels: {}, startedAtMs: 1 }, 1000, 1);
    fx.registry.goodbye('old-1', 1, 'decommissioned');
    const { incident } = fx.incidents.raise({ hostId: 'h1', class: 'network_issue', confidence: 0.9, summary: 'h1 unreachable' });
    fillStore(fx.db, { incidentIds: [incident.id] });

    unavailable(await app.inject({ method: 'POST', url: '/v1/silences', payload: { host: 'h1', comment: 'maintenance', duration: '1h' } }));
    // The incident change goes through the manager's transaction: the raw SQLite error is mapped.
    unavailable(await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/ack`, payload: { comment: 'looking' } }));
    // A delete needs no new page, but a host that said Hello meanwhile is kept for catch-up,
    // and the removal may not overtake it.
    fx.registry.hello({ hostId: 'new-1', agentVersion: '1', hostname: 'new-1', os: null, services: [], capabilities: [], intervalMs: 1000, labels: { note: 'x'.repeat(6000) }, startedAtMs: 1 }, 1000, 2);
    unavailable(await app.inject({ method: 'DELETE', url: '/v1/hosts/old-1' }));

    expect(fx.incidents.get(incident.id)).toMatchObject({ state: 'open', acknowledgedBy: null });
    expect(fx.registry.get('old-1')).toBeDefined();
    expect(fx.incidents.store.activeSilences(fx.clock.now())).toEqual([]);

    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ ready: false, reasons: [expect.stringMatching(/^store cannot write since .*: database or disk is full$/)] });
    const h = await app.inject({ url: '/healthz' });
    expect(h.statusCode).toBe(200);
    expect(health.parse(h.json())).toMatchObject({ status: 'degraded', store: 'degraded', reasons: [expect.stringMatching(/^store cannot write since .*: database or disk is full; 2 writes kept for catch-up$/)] });

    freeStore(fx.db);
    expect((await app.inject({ method: 'POST', url: '/v1/silences', payload: { host: 'h1', comment: 'maintenance', duration: '1h' } })).statusCode).toBe(201);
    expect((await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/ack`, payload: { comment: 'looking' } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/v1/hosts/old-1' })).statusCode).toBe(200);
    expect(fx.hostStore.get('new-1')).toMatchObject({ state: 'online' });
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect(health.parse((await app.inject({ url: '/healthz' })).json())).toMatchObject({ status: 'ok', store: 'ok' });
  });
});
