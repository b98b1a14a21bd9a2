import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ValidHello } from '@vigil/shared';
import { PredictionHarness } from '../predictions/harness.js';
import { onlyRules } from '../predictions/rules/index.js';
import { flat, ramp, Rng, sampler, sum } from '../predictions/synthetic.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { errorBody, seriesOut } from './schemas.js';
import { downsample } from './series-view.js';

let fx: ApiFixture;
let app: FastifyInstance;
let h: PredictionHarness;

const hello = (hostId: string): ValidHello => ({ hostId, agentVersion: '0.1.0', hostname: hostId, os: null, services: [], capabilities: [], intervalMs: 5000, labels: {}, startedAtMs: 1 });

beforeAll(async () => {
  h = new PredictionHarness({ predictor: { rules: onlyRules('resource_trend_analysis') } });
  // Memory climbing 10 %/h from 40 %: a leak the trend rule predicts within 3 h.
  const mem = sampler(sum(flat(40), ramp(10, 1)), h.start, new Rng(1), { sd: 0.2 });
  h.runUntil(3, 10_000, (t) => {
    h.series.observe('web-1', '', 'memory_percent', '', mem(t), t);
    h.series.observe('web-1', '', 'disk_percent', '/var', 55, t);
    h.series.observe('web-1', 'api', 'response_time_ms', 'health', 20, t);
  });
  fx = openApiFixture({ name: 'vigil-series-api' });
  fx.registry.hello(hello('web-1'), 5000, 1);
  fx.registry.hello(hello('db-1'), 5000, 2);
  app = await fx.build({ predictor: h.predictor, series: h.series, now: () => h.clock.now() });
});
afterAll(async () => {
  await fx.close();
  h.predictor.stop();
});

const get = async (query: string, host = 'web-1') => app.inject({ method: 'GET', url: `/v1/hosts/${host}/series${query}` });

describe('GET /v1/hosts/{id}/series', () => {
  it('series - memory: the stored minutes downsampled to width, with the active prediction\'s fitted line to its failure time', async () => {
    // The data spans the last 3 h of the 6 h retention: ask for those 3 h.
    const res = await get(`?metric=memory&width=50&since=${h.start}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = seriesOut.parse(res.json());
    expect(body).toMatchObject({ hostId: 'web-1', metric: 'memory', service: null, unit: '%', bucketMs: 60_000 });
    expect(body.points.length).toBeGreaterThan(40);
    expect(body.points.length).toBeLessThanOrEqual(50);
    const ts = body.points.map((p) => p[0]);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    // The climb is in the points: flat at 40 % for an hour, then 10 %/h.
    expect(body.points[0]![1]).toBeCloseTo(40, 0);
    expect(body.points.at(-1)![1]).toBeGreaterThan(57);
    const p = body.prediction!;
    expect(p.rule).toBe('resource_trend_analysis');
    expect(p.failureAt).toBeGreaterThan(h.clock.now());
    // The fitted line runs from its evidence to the failure time, rising towards the
    // threshold (the rule fits the floor; its peaks reach 100 % first).
    expect(p.fitted.at(-1)![0]).toBe(p.failureAt);
    expect(p.fitted[0]![0]).toBeLessThan(p.fitted.at(-1)![0]);
    expect(p.fitted.at(-1)![1]).toBeGreaterThan(p.fitted[0]![1]);
    expect(p.fitted.at(-1)![1]).toBeGreaterThan(90);
    expect(p.threshold).toBe(100);
    expect(body.available).toEqual([
      { metric: 'disk:/var', service: null, unit: '%' },
      { metric: 'memory', service: null, unit: '%' },
      { metric: 'response_time:health', service: 'api', unit: 'ms' },
    ]);
  });

  it('series - since (ms or ISO) narrows the window; a service series; no prediction on a flat one', async () => {
    const since = h.clock.now() - 30 * 60_000;
    const byMs = seriesOut.parse((await get(`?metric=disk:/var&since=${since}`)).json());
    expect(byMs.points.length).toBeGreaterThanOrEqual(30);
    expect(byMs.points.length).toBeLessThanOrEqual(31);
    expect(byMs.points.every(([t, v]) => t >= since && v === 55)).toBe(true);
    expect(byMs.prediction).toBeUndefined();
    const byIso = seriesOut.parse((await get(`?metric=disk:/var&since=${new Date(since).toISOString()}`)).json());
    expect(byIso.points).toEqual(byMs.points);
    const svc = seriesOut.parse((await get(`?metric=response_time:health&service=api&width=10&since=${h.start}`)).json());
    expect(svc).toMatchObject({ metric: 'response_time:health', service: 'api', unit: 'ms' });
    expect(svc.points).toHaveLength(10);
  });

  it('series - a host without data answers empty points; an unknown host is 404', async () => {
    const empty = seriesOut.parse((await get('?metric=memory', 'db-1')).json());
    expect(empty.points).toEqual([]);
    expect(empty.available).toEqual([]);
    const missing = await get('?metric=memory', 'nope-1');
    expect(missing.statusCode).toBe(404);
  });

  it('series - bad metric, service, since or width is a 400 naming it', async () => {
    const bad = async (q: string, pattern: RegExp) => {
      const res = await get(q);
      expect(res.statusCode, q).toBe(400);
      expect(errorBody.parse(res.json()).error.message, q).toMatch(pattern);
    };
    await bad('', /query\.metric/);
    await bad('?metric=cpu', /^query\.metric: no series is named "cpu".*cpu is not kept/);
    await bad('?metric=disk', /^query\.metric: disk needs :<mount>/);
    await bad('?metric=memory:/x', /^query\.metric: memory takes no/);
    await bad('?metric=error_rate', /^query\.service: error_rate is a service's series/);
    await bad('?metric=disk:/&service=api', /^query\.service: disk is host-wide/);
    await bad('?metric=memory&since=yesterday', /^query\.since: must be epoch milliseconds or an ISO time/);
    await bad('?metric=memory&width=1', /^query\.width: must be at least 2/);
    await bad('?metric=memory&width=9999', /^query\.width: must be at most 5000/);
    await bad('?metric=memory&from=1', /Unrecognized key: "from"/);
  });
});

describe('series view - downsample', () => {
  const b = (t: number, mean: number, count = 1) => ({ t, min: mean, max: mean, mean, count });

  it('downsample - keeps buckets as they are when they fit, merges by time slot with count-weighted means otherwise, and keeps gaps', () => {
    expect(downsample([b(0, 1), b(60, 2)], 0, 120, 10)).toEqual([[0, 1], [60, 2]]);
    // 6 buckets over [0, 600) into 3 slots of 200; the slot [200, 400) is empty. (1·1 + 4·3 + 10·1) / 5 = 4.6
    const merged = downsample([b(0, 1, 1), b(60, 4, 3), b(120, 10), b(400, 5), b(460, 7), b(520, 9)], 0, 600, 3);
    expect(merged).toEqual([[0, 4.6], [400, 7]]);
  });
});
