import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { CoordinatorMetrics } from '../metrics.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { errorBody, health, hostDetail, hostList } from './schemas.js';
import type { FastifyInstance } from 'fastify';

let fx: ApiFixture;
let app: FastifyInstance;
const clock = new FakeClock(Date.parse('2026-11-26T08:00:00Z'));

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-api', clock });
  const { registry } = fx;
  const hello = (hostId: string) => ({
    hostId,
    agentVersion: '0.1.0',
    hostname: hostId,
    os: null,
    services: [],
    capabilities: [],
    intervalMs: 5000,
    labels: {},
    startedAtMs: 1,
  });
  registry.hello(hello('db-1'), 5000, 1);
  registry.hello(hello('web-1.example.com'), 5000, 2);
  await new Promise<void>((resolve, reject) =>
    registry.heartbeat('web-1.example.com', 2, { seq: 1, sentAtMs: 1, collectors: [], resources: { takenAtMs: 1, cpu: { usagePercent: 5, load1: 1, load5: 1, load15: 1, cores: 2 }, memory: null, filesystems: [], network: [] }, services: [], findings: [] }, (e) => (e ? reject(e) : resolve())),
  );
  registry.streamClosed('db-1', 1, 'test');
  clock.advance(1500);
  const metrics = new CoordinatorMetrics();
  // As the responder reports it in a fleet-wide cut: every slot busy, a backlog waiting.
  metrics.readDiagnoses(() => ({ running: 16, queued: 42, oldestWaitMs: 2500 }));
  app = await fx.build({ metrics, outboxDepth: () => 7, natsConnected: () => false });
});

afterAll(async () => {
  await fx.close();
});

describe('http api - hosts', () => {
  it('lists every host with its state and last contact', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/hosts' });
    expect(res.statusCode).toBe(200);
    const body = hostList.parse(res.json());
    expect(body.hosts.map((h) => [h.id, h.state, h.connected])).toEqual([
      ['db-1', 'silent', false],
      ['web-1.example.com', 'online', true],
    ]);
    expect(body.hosts[1]!.lastSeen).toBe('2026-11-26T08:00:00.000Z');
  });

  it('shows one host with its latest sample and state history, newest first', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/hosts/DB-1' });
    expect(res.statusCode).toBe(200);
    const { host } = hostDetail.parse(res.json());
    expect(host.id).toBe('db-1');
    expect(host.history.map((t) => `${t.from}->${t.to}`)).toEqual(['suspect->silent', 'online->suspect', 'null->online']);
    expect(host.history[0]!.reason).toMatch(/no reconnect within 1000 ms/);
    const web = hostDetail.parse((await app.inject({ method: 'GET', url: '/v1/hosts/web-1.example.com' })).json());
    expect(web.host.latestSample).toMatchObject({ cpu: { usagePercent: 5 } });
  });

  it('answers 404 with a stable code for an unknown host', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/hosts/nope' });
    expect(res.statusCode).toBe(404);
    expect(errorBody.parse(res.json()).error.code).toBe('NOT_FOUND');
    const route = await app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(route.statusCode).toBe(404);
    expect(route.json().error.code).toBe('NOT_FOUND');
  });
});

describe('http api - operations', () => {
  it('reports health as degraded while NATS is away', async () => {
    const body = health.parse((await app.inject({ method: 'GET', url: '/healthz' })).json());
    expect(body).toMatchObject({ status: 'degraded', nats: 'disconnected', outboxDepth: 7, connectedAgents: 1 });
  });

  it('exports the fleet figures as Prometheus text', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toMatch(/^vigil_connected_agents 1$/m);
    expect(res.body).toMatch(/^vigil_hosts\{state="silent"\} 1$/m);
    expect(res.body).toMatch(/^vigil_outbox_depth 7$/m);
    expect(res.body).toMatch(/^vigil_nats_connected 0$/m);
    expect(res.body).toMatch(/^vigil_diagnoses_running 16$/m);
    expect(res.body).toMatch(/^vigil_diagnosis_queue_depth 42$/m);
    expect(res.body).toMatch(/^vigil_diagnosis_queue_oldest_seconds 2.5$/m);
    expect(res.body).toMatch(/^vigil_process_eventloop_lag_seconds\{quantile="0.99"\} /m);
    expect(res.body).toMatch(/^vigil_process_memory_bytes\{kind="rss"\} \d+/m);
  });

  it('serves an OpenAPI document naming every route', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/metrics', '/v1/hosts', '/v1/hosts/{id}']));
  });
});
