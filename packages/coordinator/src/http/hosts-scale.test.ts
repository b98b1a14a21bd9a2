import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ValidHello } from '@vigil/shared';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { hostList } from './schemas.js';

const HOSTS = 5000;
let fx: ApiFixture;
let app: FastifyInstance;

const hello = (i: number): ValidHello => ({
  hostId: `host-${String(i).padStart(5, '0')}`,
  agentVersion: '0.1.0',
  hostname: `host-${i}`,
  os: null,
  services: [{ name: 'web', manager: 'process', recoveryEnabled: true }, { name: 'db', manager: 'systemd', recoveryEnabled: true }],
  capabilities: [],
  intervalMs: 5000,
  labels: { zone: `z${i % 10}` },
  startedAtMs: 1,
});

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-hosts-scale' });
  for (let i = 0; i < HOSTS; i++) fx.registry.hello(hello(i), 5000, i + 1);
  app = await fx.build();
});
afterAll(async () => {
  await fx.close();
});

describe('http api - a large fleet', () => {
  it(`hosts scale - ${HOSTS} hosts: pages of 500 walk every host once, in id order; one page of all answers too`, async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let pagedMs = 0;
    do {
      const t0 = performance.now();
      const res = await app.inject({ url: `/v1/hosts?limit=500${cursor ? `&cursor=${cursor}` : ''}` });
      pagedMs += performance.now() - t0;
      expect(res.statusCode).toBe(200);
      const page = hostList.parse(res.json());
      expect(page.total).toBe(HOSTS);
      seen.push(...page.hosts.map((h) => h.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(10);
    expect(seen).toEqual(Array.from({ length: HOSTS }, (_, i) => `host-${String(i).padStart(5, '0')}`));
    const t1 = performance.now();
    const all = await app.inject({ url: `/v1/hosts?limit=${HOSTS}` });
    const allMs = performance.now() - t1;
    expect(hostList.parse(all.json()).hosts).toHaveLength(HOSTS);
    const zone = hostList.parse((await app.inject({ url: '/v1/hosts?zone=z3&q=host-0001' })).json());
    // Ids host-00010..host-00019 contain the text; of those, zone z3 holds host-00013.
    expect(zone.hosts.map((h) => h.id)).toEqual(['host-00013']);
    console.log(`[measure] GET /v1/hosts, ${HOSTS} hosts with 2 services each: 10 pages of 500 in ${pagedMs.toFixed(0)} ms; one page of ${HOSTS} in ${allMs.toFixed(0)} ms, ${(all.body.length / 1e6).toFixed(1)} MB`);
  }, 60_000);
});
