import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PredictionHarness, type HarnessOptions } from './harness.js';
import { linkPredictionsToIncident } from './incident-link.js';
import { migrate } from '../store/db.js';
import { compileRules, onlyRules, type CompiledRule } from './rules/index.js';
import { growth, flat, ramp, Rng, sampler, sum, type Shape } from './synthetic.js';

const MIN = 60_000;
const LEAK: Shape = sum(flat(40), ramp(10, 1));
const TREND = 'resource_trend_analysis';

function harness(opts: HarnessOptions = {}): PredictionHarness {
  return new PredictionHarness({ ...opts, predictor: { rules: onlyRules(TREND), ...opts.predictor } });
}

function leak(h: PredictionHarness, untilHours: number, shape = LEAK, hostId = 'web-1', service = ''): PredictionHarness {
  return h.feed({ hostId, service, metric: 'memory_percent' }, sampler(shape, h.start, new Rng(9), { sd: 0.2, min: 0, max: 100 }), untilHours);
}

describe('predictor - raising', () => {
  it('raises after raiseAfter consecutive firing evaluations, not on the first', () => {
    const first = leak(harness({ predictor: { raiseAfter: 1, raiseConfidence: 2 } }), 3).firstHours('raised')!;
    const third = leak(harness({ predictor: { raiseAfter: 3, raiseConfidence: 2 } }), 3).firstHours('raised')!;
    expect(first).toBeDefined();
    expect(Math.round((third - first) * 60)).toBe(2);
  });

  it('raises on the first evaluation that is confident enough', () => {
    const first = leak(harness({ predictor: { raiseAfter: 1, raiseConfidence: 2 } }), 3).firstHours('raised')!;
    const confident = leak(harness({ predictor: { raiseAfter: 3, raiseConfidence: 0.5 } }), 3).firstHours('raised')!;
    expect(confident).toBe(first);
  });

  it('keeps one prediction while the trend holds, with at most one update each 10 min', () => {
    // Compound growth: the predicted failure keeps moving closer.
    const h = leak(harness(), 5, sum(flat(30), growth(10, 0.6, 1)));
    expect(h.eventsOf('raised')).toHaveLength(1);
    const updates = h.eventsOf('updated').map((e) => Date.parse(e.time));
    expect(updates.length).toBeGreaterThan(0);
    const raisedAt = Date.parse(h.eventsOf('raised')[0]!.time);
    [raisedAt, ...updates].reduce((prev, t) => (expect(t - prev).toBeGreaterThanOrEqual(10 * MIN), t));
    const [active] = h.predictor.list({ state: 'active' });
    expect(active!.id).toBe(h.eventsOf('raised')[0]!.data.prediction.id);
    expect(active!.updatedAt).toBe(Math.floor(h.clock.now() / MIN) * MIN);
  });
});

describe('predictor - expiring', () => {
  const restart: Shape = (hr) => (hr < 3 ? 40 + 10 * Math.max(0, hr - 1) : 40);

  it('expires after expireAfter consecutive reversed evaluations, with the rule reason', () => {
    const one = leak(harness({ predictor: { expireAfter: 1 } }), 5, restart);
    const five = leak(harness({ predictor: { expireAfter: 5 } }), 5, restart);
    expect(Math.round((five.firstHours('expired')! - one.firstHours('expired')!) * 60)).toBe(4);
    const p = five.predictor.list()[0]!;
    expect(p).toMatchObject({ state: 'expired', expiredAt: Date.parse(five.eventsOf('expired')[0]!.time) });
    expect(p.expiryReason).toMatch(/^trend reversed/);
  });

  it('expires a prediction whose series stopped reporting', () => {
    const h = leak(harness({ predictor: { staleMs: 20 * MIN } }), 3);
    expect(h.firstHours('raised')).toBeDefined();
    h.clock.advance(25 * MIN);
    const [ev] = h.eventsOf('expired');
    expect(ev!.data.reason).toMatch(/^series stopped reporting \(no data for 2\d min\)$/);
  });

  it('expires a prediction whose series reports too sparsely to judge', () => {
    const h = leak(harness({ predictor: { staleMs: 20 * MIN } }), 3);
    expect(h.firstHours('raised')).toBeDefined();
    // One sample every 3 minutes: never quiet, but a third of the window has data.
    const mem = sampler(LEAK, h.start, new Rng(3), { sd: 0.2 });
    h.runUntil(5, 3 * MIN, (t) => h.series.observe('web-1', '', 'memory_percent', '', mem(t), t));
    const [ev] = h.eventsOf('expired');
    expect(ev!.data.reason).toMatch(/^too little data for 20 min: only \d+ % of the window has data/);
  });

  it('expires, on start, a stored prediction of a rule that was turned off since', () => {
    const db = new Database(':memory:');
    migrate(db);
    const first = leak(harness({ db }), 3);
    first.predictor.stop();
    const second = new PredictionHarness({ db, start: first.clock.now(), predictor: { rules: onlyRules('disk_exhaustion') } });
    expect(second.eventsOf('expired')[0]!.data.reason).toBe('rule resource_trend_analysis is turned off');
    expect(second.predictor.activeFor('web-1')).toEqual([]);
  });

  it('expires predictions of a host removed from the fleet', () => {
    const h = leak(harness(), 3);
    h.predictor.forgetHost('web-1');
    expect(h.eventsOf('expired')[0]!.data.reason).toBe('host removed from the fleet');
    expect(h.series.size).toBe(0);
  });
});

describe('predictor - incidents', () => {
  it('an incident makes the predictions of its service and host come true and links them on its timeline', () => {
    const h = harness();
    const rng = new Rng(1);
    const mem = sampler(LEAK, h.start, rng, { sd: 0.2 });
    h.runUntil(3, 10_000, (t) => {
      for (const service of ['api', 'batch', '']) h.series.observe('web-1', service, 'memory_percent', '', mem(t), t);
    });
    expect(h.predictor.activeFor('web-1')).toHaveLength(3);
    expect(h.predictor.activeFor('web-1', 'api').map((p) => p.service).sort()).toEqual(['', 'api']);
    // /metrics counts them by rule, every rule with its zero.
    expect(h.predictor.activeByRule()).toMatchObject({ resource_trend_analysis: 3 });
    expect(Object.keys(h.predictor.activeByRule()).sort()).toEqual(h.predictor.rules.map((r) => r.name).sort());

    const calls: [string, string, string][] = [];
    const linked = linkPredictionsToIncident(h.predictor, { linkPrediction: (...a) => void calls.push(a) }, { id: 'inc-1', hostId: 'web-1', service: 'api' });
    expect(linked.map((p) => p.service).sort()).toEqual(['', 'api']);
    expect(calls.map((c) => c[0])).toEqual(['inc-1', 'inc-1']);
    expect(calls[0]![2]).toMatch(/^predicted \d+ min before by resource_trend_analysis: /);
    const cameTrue = h.eventsOf('came_true');
    expect(cameTrue).toHaveLength(2);
    expect(cameTrue[0]!.data.prediction).toMatchObject({ state: 'came_true', incidentId: 'inc-1' });
    expect(h.predictor.list({ state: 'came_true' })).toHaveLength(2);
    expect(h.predictor.activeFor('web-1').map((p) => p.service)).toEqual(['batch']);
    expect(h.predictor.activeByRule()['resource_trend_analysis']).toBe(1);
    expect(h.predictor.markCameTrue(linked[0]!.id, 'inc-2')).toBeUndefined();
  });
});

describe('predictor - isolation', () => {
  it('a rule that throws is counted and does not stop the others', () => {
    const broken: CompiledRule = {
      ...compileRules(onlyRules(TREND))[0]!,
      name: 'broken',
      evaluate: () => {
        throw new Error('boom');
      },
    };
    const h = leak(new PredictionHarness({ rules: [broken, ...compileRules(onlyRules(TREND))] }), 3);
    expect(h.firstHours('raised', TREND)).toBeDefined();
    expect(h.predictor.stats()['broken']!.failures).toBeGreaterThan(100);
    expect(h.predictor.stats()[TREND]!.failures).toBe(0);
  });
});

describe('predictor - slices', () => {
  it('a round split into the smallest slices reaches the same predictions at the same times', () => {
    const run = (sliceMs: number) => {
      const h = harness({ predictor: { sliceMs } });
      const mem = sampler(LEAK, h.start, new Rng(2), { sd: 0.2 });
      h.runUntil(3, 10_000, (t) => {
        for (const host of ['a', 'b', 'c']) h.series.observe(host, '', 'memory_percent', '', mem(t), t);
      });
      return h.eventsOf('raised').map((e) => [e.data.prediction.hostId, e.time]);
    };
    const whole = run(1_000);
    expect(whole).toHaveLength(3);
    expect(run(0)).toEqual(whole);
  });
});

describe('predictor - restart', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-pred-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('active predictions and the series survive a restart: the same prediction continues', () => {
    const file = join(dir, 'vigil.db');
    const db = new Database(file);
    migrate(db);
    const first = harness({ db });
    const shape = sampler(LEAK, first.start, new Rng(4), { sd: 0.2 });
    first.feed({ metric: 'memory_percent' }, shape, 3);
    const raised = first.eventsOf('raised')[0]!.data.prediction;
    const id = [...first.series.series()][0]!.id;
    const stoppedAt = first.clock.now();
    const before = first.series.window(id, stoppedAt - 2 * 3_600_000, stoppedAt);
    first.predictor.stop();
    db.close();

    const db2 = new Database(file);
    const second = harness({ db: db2, start: stoppedAt + 2 * MIN });
    expect(second.predictor.activeFor('web-1').map((p) => p.id)).toEqual([raised.id]);
    const after = second.series.window(id, stoppedAt - 2 * 3_600_000, stoppedAt);
    expect(after.map((b) => [b.t, b.count])).toEqual(before.map((b) => [b.t, b.count]));
    // Keep feeding the same leak: no second raise, the stored one is kept up to date.
    second.runUntil(4, 10_000, (t) => second.series.observe('web-1', '', 'memory_percent', '', shape(t), t));
    expect(second.eventsOf('raised')).toEqual([]);
    const [p] = second.predictor.list();
    expect(p!.id).toBe(raised.id);
    expect(p!.state).toBe('active');
    expect(p!.updatedAt).toBeGreaterThan(stoppedAt);
    db2.close();
  });
});
