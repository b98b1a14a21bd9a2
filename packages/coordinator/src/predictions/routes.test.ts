import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../http/errors.js';
import { PredictionHarness } from './harness.js';
import { predictionRoutes } from './routes.js';
import { hostPredictions, predictionList } from './schemas.js';
import { onlyRules } from './rules/index.js';
import { flat, ramp, Rng, sampler, sum } from './synthetic.js';

let h: PredictionHarness;
let app: FastifyInstance;

beforeEach(async () => {
  h = new PredictionHarness({ predictor: { rules: onlyRules('resource_trend_analysis', 'disk_exhaustion') } });
  const mem = sampler(sum(flat(40), ramp(10, 1)), h.start, new Rng(1), { sd: 0.2 });
  h.runUntil(3, 10_000, (t) => {
    h.series.observe('web-1.example.com', '', 'memory_percent', '', mem(t), t);
    h.series.observe('db-1.example.com', '', 'memory_percent', '', mem(t), t);
  });
  h.predictor.markCameTrue(h.predictor.activeFor('db-1.example.com')[0]!.id, 'inc-7');
  app = Fastify();
  installErrorHandler(app);
  await app.register(predictionRoutes, { predictor: h.predictor });
});
afterEach(async () => {
  await app.close();
});

describe('predictions api - GET /v1/predictions', () => {
  it('lists predictions with trend, evidence, predicted failure and action, as ISO times', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/predictions' });
    expect(res.statusCode).toBe(200);
    const { predictions } = predictionList.parse(res.json());
    expect(predictions).toHaveLength(2);
    const p = predictions.find((x) => x.hostId === 'web-1.example.com')!;
    expect(p).toMatchObject({
      rule: 'resource_trend_analysis',
      service: null,
      instance: null,
      metric: 'memory_percent',
      state: 'active',
      preventiveAction: 'Investigate the memory leak; restart the process.',
      trend: { unit: '%', signal: 'floor', threshold: 100 },
    });
    expect(p.trend.slopePerHour).toBeGreaterThan(5);
    expect(p.evidence.from).toMatch(/^2024-06-11T\d\d:\d\d:00\.000Z$/);
    expect(Date.parse(p.predictedFailureAt!)).toBeGreaterThan(Date.parse(p.raisedAt));
  });

  it('filters by host (case-insensitively), rule and state', async () => {
    const get = async (q: string) => (await app.inject({ method: 'GET', url: `/v1/predictions?${q}` })).json().predictions;
    expect(await get('host=WEB-1.example.com.')).toHaveLength(1);
    expect(await get('state=came_true')).toMatchObject([{ hostId: 'db-1.example.com', incidentId: 'inc-7' }]);
    expect(await get('rule=disk_exhaustion')).toEqual([]);
    expect(await get('host=db-1.example.com&state=active')).toEqual([]);
  });

  it('rejects a bad filter with 400 naming the field', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/predictions?state=sleeping' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('BAD_REQUEST');
    expect(res.json().error.message).toMatch(/state/);
    const unknown = await app.inject({ method: 'GET', url: '/v1/predictions?hots=web-1' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toMatch(/hots/);
  });
});

describe('predictions api - host view', () => {
  it('shows the active predictions of a host and the ones closed recently', () => {
    expect(hostPredictions.parse(h.predictor.hostView('web-1.example.com')).active).toHaveLength(1);
    const db = h.predictor.hostView('db-1.example.com');
    expect(db.active).toEqual([]);
    expect(db.recent).toMatchObject([{ state: 'came_true', incidentId: 'inc-7' }]);
    h.clock.advance(60_000);
    expect(h.predictor.hostView('db-1.example.com', 30_000).recent).toEqual([]);
  });
});
