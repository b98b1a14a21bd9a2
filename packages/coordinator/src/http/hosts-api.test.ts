import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { FakeClock, type ValidHello } from '@vigil/shared';
import type { IncidentManager } from '../incidents/incident-manager.js';
import type { HostRegistry } from '../registry/host-registry.js';
import type { HostRecord, RegistryEvent } from '../registry/types.js';
import type { HostStore } from '../store/host-store.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { hashToken } from './auth.js';
import { errorBody, hostList } from './schemas.js';

const OPERATOR = 'operator-token-0123456789';
const VIEWER = 'viewer-token-0123456789ab';

let fx: ApiFixture;
let app: FastifyInstance;
let registry: HostRegistry;
let hostStore: HostStore;
const removedEvents: { host: HostRecord; at: number; by: string }[] = [];
const registryEvents: RegistryEvent[] = [];
/** Active incidents per host, as the incident store would answer. */
const activeIncidents = new Map<string, { id: string; class: string; service: string; level: number; state: string }[]>();
const clock = new FakeClock(Date.parse('2026-12-03T08:00:00Z'));

const hello = (hostId: string, labels: Record<string, string>, startedAtMs = 1): ValidHello => ({
  hostId,
  agentVersion: '0.1.0',
  hostname: hostId,
  os: null,
  services: [],
  capabilities: [],
  intervalMs: 5000,
  labels,
  startedAtMs,
});

beforeAll(async () => {
  fx = openApiFixture({
    name: 'vigil-hosts-api',
    clock,
    registry: {
      removalSink: (host, at, by) => {
        hostStore.remove(host.id);
        removedEvents.push({ host, at, by });
      },
    },
  });
  ({ registry, hostStore } = fx);
  registry.subscribe((e) => registryEvents.push(e));
  registry.hello(hello('web-1', { zone: 'eu-1', role: 'web' }), 5000, 1);
  registry.hello(hello('web-2', { zone: 'eu-2', role: 'web' }), 5000, 2);
  registry.hello(hello('db-1', { zone: 'eu-1', role: 'db' }), 5000, 3);
  registry.hello(hello('old-1', { zone: 'eu-2', role: 'db' }), 5000, 4);
  registry.hello(hello('gone-1', { zone: 'eu-1', role: 'web' }), 5000, 5);
  registry.hello(hello('flaky-1', { zone: 'eu-1', role: 'web' }), 5000, 6);
  registry.streamClosed('db-1', 3, 'test: cut');
  registry.streamClosed('gone-1', 5, 'test: cut');
  clock.advance(1500); // past the disconnect grace: db-1 and gone-1 are silent
  registry.goodbye('old-1', 4, 'decommissioned');
  registry.streamClosed('flaky-1', 6, 'test: cut'); // suspect, within its grace
  activeIncidents.set('db-1', [{ id: 'inc-db-1', class: 'agent_failure', service: '', level: 1, state: 'open' }]);

  const incidents = { store: { activeForHost: (id: string) => activeIncidents.get(id) ?? [] } } as unknown as IncidentManager;
  app = await fx.build({
    incidents,
    tokens: [
      { name: 'alice', role: 'operator', sha256: hashToken(OPERATOR) },
      { name: 'grafana', role: 'viewer', sha256: hashToken(VIEWER) },
    ],
    zoneLabel: 'zone',
  });
});

afterAll(async () => {
  await fx.close();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });

async function ids(query: string): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: `/v1/hosts${query}`, headers: as(VIEWER) });
  expect(res.statusCode, res.body).toBe(200);
  return hostList.parse(res.json()).hosts.map((h) => h.id);
}

async function badQuery(query: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url: `/v1/hosts${query}`, headers: as(VIEWER) });
  expect(res.statusCode, res.body).toBe(400);
  const body = errorBody.parse(res.json());
  expect(body.error.code).toBe('BAD_REQUEST');
  return body.error.message;
}

describe('http api - host filters', () => {
  it('hosts - no filter lists every host', async () => {
    expect(await ids('')).toEqual(['db-1', 'flaky-1', 'gone-1', 'old-1', 'web-1', 'web-2']);
  });

  it('hosts - ?state= keeps only hosts in that state, or in any of a list', async () => {
    expect(await ids('?state=silent')).toEqual(['db-1', 'gone-1']);
    expect(await ids('?state=left')).toEqual(['old-1']);
    expect(await ids('?state=silent,suspect')).toEqual(['db-1', 'flaky-1', 'gone-1']);
    expect(await ids('?state=online&state=left')).toEqual(['old-1', 'web-1', 'web-2']);
  });

  it('hosts - ?zone=, ?label= and ?connected= combine; every filter must match', async () => {
    expect(await ids('?zone=eu-1')).toEqual(['db-1', 'flaky-1', 'gone-1', 'web-1']);
    expect(await ids('?zone=eu-1&state=online')).toEqual(['web-1']);
    expect(await ids('?label=role=db')).toEqual(['db-1', 'old-1']);
    expect(await ids('?label=role=web&label=zone=eu-2')).toEqual(['web-2']);
    expect(await ids('?connected=true')).toEqual(['web-1', 'web-2']);
    expect(await ids('?connected=false&zone=eu-2')).toEqual(['old-1']);
    expect(await ids('?zone=nowhere')).toEqual([]);
  });

  it('hosts - an unknown parameter or a bad value is refused like /v1/incidents does, naming it', async () => {
    expect(await badQuery('?status=silent')).toMatch(/^query: Unrecognized key: "status"/);
    expect(await badQuery('?state=down')).toMatch(/^query\.state\[0\]: .*"online".*\(got "down"\)$/);
    expect(await badQuery('?label=role')).toMatch(/^query\.label\[0\]: must be KEY=VALUE \(got "role"\)$/);
    expect(await badQuery('?connected=yes')).toMatch(/^query\.connected: /);
    // The same shape /v1/incidents gives for an unknown parameter.
    const inc = await app.inject({ method: 'GET', url: '/v1/incidents?bogus=1', headers: as(VIEWER) });
    expect(inc.statusCode).toBe(400);
    expect(errorBody.parse(inc.json()).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^query: Unrecognized key: "bogus"/) });
  });
});

describe('http api - host search, pages and summary', () => {
  const list = async (query: string) => {
    const res = await app.inject({ method: 'GET', url: `/v1/hosts${query}`, headers: as(VIEWER) });
    expect(res.statusCode, res.body).toBe(200);
    return hostList.parse(res.json());
  };

  it('hosts - ?q= matches a substring of the id or hostname, case-insensitive, with the other filters', async () => {
    expect(await ids('?q=WEB')).toEqual(['web-1', 'web-2']);
    expect(await ids('?q=-1&zone=eu-1')).toEqual(['db-1', 'flaky-1', 'gone-1', 'web-1']);
    expect(await ids('?q=nothing-like-it')).toEqual([]);
  });

  it('hosts - ?limit= pages by id; nextCursor walks every host once; total counts all matching', async () => {
    const first = await list('?limit=4');
    expect(first.hosts.map((h) => h.id)).toEqual(['db-1', 'flaky-1', 'gone-1', 'old-1']);
    expect(first.total).toBe(6);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(`?limit=4&cursor=${first.nextCursor}`);
    expect(second.hosts.map((h) => h.id)).toEqual(['web-1', 'web-2']);
    expect(second.total).toBe(6);
    expect(second.nextCursor).toBeUndefined();
    // Filters apply before paging.
    const online = await list('?state=online&limit=1');
    expect([online.hosts.map((h) => h.id), online.total]).toEqual([['web-1'], 2]);
    const online2 = await list(`?state=online&limit=1&cursor=${online.nextCursor}`);
    expect([online2.hosts.map((h) => h.id), online2.nextCursor]).toEqual([['web-2'], undefined]);
    // An exact last page has no cursor.
    expect((await list('?limit=6')).nextCursor).toBeUndefined();
  });

  it('hosts - a bad limit or cursor is refused, naming it', async () => {
    expect(await badQuery('?limit=0')).toMatch(/^query\.limit: must be at least 1/);
    expect(await badQuery('?limit=5001')).toMatch(/^query\.limit: must be at most 5000/);
    expect(await badQuery('?limit=ten')).toMatch(/^query\.limit: must be a whole number/);
    expect(await badQuery('?cursor=garbage')).toMatch(/^query\.cursor: not a cursor this API gave \(got "garbage"\)/);
  });

  it('hosts - each host carries its summary: services with state and checks, open incidents, active predictions', async () => {
    const byId = new Map((await list('')).hosts.map((h) => [h.id, h]));
    expect(byId.get('db-1')!.summary.openIncidents).toEqual([{ id: 'inc-db-1', class: 'agent_failure', service: null, level: 1, state: 'open' }]);
    expect(byId.get('web-1')!.summary).toEqual({ services: [], openIncidents: [], predictions: [] });

    // A host with two declared services, one reported failing by its latest heartbeat.
    registry.hello({ ...hello('zz-svc', { zone: 'eu-3' }), services: [{ name: 'api', manager: 'systemd', recoveryEnabled: true }, { name: 'web', manager: 'process', recoveryEnabled: true }] }, 5000, 50);
    const check = { name: 'http', type: 'http', status: 'failing' as const, consecutiveFailures: 2, consecutiveSuccesses: 0, responseMs: 12, detail: 'HTTP 503' };
    const status = { name: 'web', state: 'failed' as const, pids: [], checks: [check], errorRate: null, recovering: true, budgetUsed: 1, budgetMax: 3, exhausted: false, manager: 'process', sinceMs: Date.parse('2026-12-03T07:59:00Z'), logLinesScanned: 0, logLinesSkipped: 0, memoryBytes: 0, memoryPercent: 0 };
    await new Promise<void>((resolve, reject) =>
      registry.heartbeat('zz-svc', 50, { seq: 1, sentAtMs: 1, resources: null, collectors: [], services: [status], findings: [] }, (e) => (e ? reject(e) : resolve())),
    );
    const [svc] = (await list('?zone=eu-3')).hosts;
    expect(svc!.summary.services).toEqual([
      { name: 'api', manager: 'systemd', state: 'unknown', recovering: false, exhausted: false, budgetUsed: 0, budgetMax: 0, since: null, checks: [] },
      {
        name: 'web', manager: 'process', state: 'failed', recovering: true, exhausted: false, budgetUsed: 1, budgetMax: 3, since: '2026-12-03T07:59:00.000Z',
        checks: [{ name: 'http', type: 'http', status: 'failing', consecutiveFailures: 2, responseMs: 12, detail: 'HTTP 503' }],
      },
    ]);
  });
});

describe('http api - DELETE /v1/hosts/{id}', () => {
  const del = (id: string, token = OPERATOR) => app.inject({ method: 'DELETE', url: `/v1/hosts/${id}`, headers: as(token) });

  it('delete - a viewer may not remove a host', async () => {
    const res = await del('old-1', VIEWER);
    expect(res.statusCode).toBe(403);
    expect(errorBody.parse(res.json()).error.code).toBe('PERMISSION_DENIED');
    expect(registry.get('old-1')).toBeDefined();
  });

  it('delete - an online, connected host is refused with 409 and stays', async () => {
    const res = await del('web-1');
    expect(res.statusCode).toBe(409);
    expect(errorBody.parse(res.json()).error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('host "web-1" has its agent connected') });
    expect(registry.get('web-1')?.state).toBe('online');
  });

  it('delete - a suspect host (stream just broke, may come back) is refused with 409', async () => {
    const res = await del('flaky-1');
    expect(res.statusCode).toBe(409);
    expect(errorBody.parse(res.json()).error.message).toContain('host "flaky-1" is suspect');
  });

  it('delete - a silent host with an active incident is refused until the incident is resolved', async () => {
    const res = await del('db-1');
    expect(res.statusCode).toBe(409);
    expect(errorBody.parse(res.json()).error.message).toContain('has active incidents (inc-db-1)');
    expect(registry.get('db-1')).toBeDefined();
  });

  it('delete - a host that left is removed from the registry and the store, with its history, and an event says who', async () => {
    expect(hostStore.history('old-1').length).toBeGreaterThan(0);
    const res = await del('old-1');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ removed: { id: 'old-1', state: 'left', by: 'alice' } });
    expect(registry.get('old-1')).toBeUndefined();
    expect(hostStore.get('old-1')).toBeUndefined();
    expect(hostStore.history('old-1')).toEqual([]);
    expect(registry.countByState().left).toBe(0);
    expect(removedEvents.map((e) => [e.host.id, e.by])).toEqual([['old-1', 'alice']]);
    expect(registryEvents.filter((e) => e.type === 'removed').map((e) => (e.type === 'removed' ? e.host.id : ''))).toEqual(['old-1']);
    expect(await ids('')).not.toContain('old-1');
    expect((await app.inject({ method: 'GET', url: '/v1/hosts/old-1', headers: as(VIEWER) })).statusCode).toBe(404);
  });

  it('delete - a silent host without incidents is removed; a second DELETE is 404', async () => {
    expect((await del('gone-1')).statusCode).toBe(200);
    const again = await del('gone-1');
    expect(again.statusCode).toBe(404);
    expect(errorBody.parse(again.json()).error.code).toBe('NOT_FOUND');
  });

  it('delete - a removed host that comes back with a Hello is a new host', async () => {
    const r = registry.hello(hello('old-1', { zone: 'eu-2' }, 2), 5000, 40);
    expect(r.type).toBe('accepted');
    expect(registry.get('old-1')?.state).toBe('online');
    expect(hostStore.history('old-1').map((t) => [t.from, t.to])).toEqual([[null, 'online']]);
  });
});
