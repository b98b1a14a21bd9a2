import { describe, expect, it } from 'vitest';
import { PredictionHarness } from '../harness.js';
import { diurnal, flat, pulse, ramp, Rng, sampler, step, sum, type Shape } from '../synthetic.js';
import { onlyRules } from './index.js';

const RULE = 'gradual_performance_degradation';
const HOUR = 3_600_000;
const series = { service: 'api', metric: 'response_time_ms' as const, instance: 'health' };

function drive(shape: Shape, hours: number, relativeSd = 0.1, seed = 1): PredictionHarness {
  const h = new PredictionHarness({ predictor: { rules: onlyRules(RULE) } });
  return h.feed(series, sampler(shape, h.start, new Rng(seed), { relativeSd, min: 1 }), hours);
}

describe('gradual_performance_degradation - fires', () => {
  it('raises within an hour of response time starting to climb 30 %/h, with the runbook prediction and action', () => {
    const h = drive(sum(flat(200), ramp(60, 2)), 5);
    const raisedAt = h.firstHours('raised', RULE);
    // Not before the rise is visible across the window; not later than an hour into it.
    expect(raisedAt).toBeGreaterThan(2.3);
    expect(raisedAt).toBeLessThan(3);
    const [ev] = h.eventsOf('raised', RULE);
    const p = ev!.data.prediction;
    expect(h.events[0]!.subject).toBe('vigil.v1.prediction.gradual_performance_degradation.web-1');
    expect(ev!.type).toBe('vigil.v1.prediction.raised');
    expect(p).toMatchObject({ rule: RULE, hostId: 'web-1', service: 'api', instance: 'health', metric: 'response_time_ms', state: 'active', preventiveAction: 'Restart the process.' });
    expect(p.summary).toMatch(/response time up \d+ %/);
    expect(p.trend.slopePerHour).toBeGreaterThan(30);
    expect(p.trend.unit).toBe('ms');
    // The runbook's horizon: failure likely within 2 hours of the raise.
    expect(Date.parse(p.predictedFailureAt!) - Date.parse(p.raisedAt)).toBeLessThanOrEqual(2 * HOUR);
    expect(p.evidence.coverage).toBeGreaterThanOrEqual(0.8);
  });

  it('announces the 5 s crossing when it comes before the horizon', () => {
    const h = drive(sum(flat(2500), ramp(1500, 2)), 3.5, 0.05);
    const p = h.eventsOf('raised', RULE)[0]!.data.prediction;
    const crossing = Date.parse(p.trend.crossesAt!);
    expect(Date.parse(p.predictedFailureAt!)).toBe(crossing);
    expect(crossing - Date.parse(p.raisedAt)).toBeLessThan(2 * HOUR);
  });

  it('does not fire on a tiny service whose 4 ms grow to 6 ms (a rise under minRiseMs)', () => {
    expect(drive(sum(flat(4), ramp(2, 2)), 6, 0.05).firstHours('raised', RULE)).toBeUndefined();
  });
});

describe('gradual_performance_degradation - stays quiet', () => {
  const quiet: [string, Shape, number][] = [
    ['heavy noise (±30 %)', flat(300), 0.3],
    ['a one-off spike (×5 for 10 min)', sum(flat(300), pulse(4, 10, 1200)), 0.15],
    ['a step (+60 %) that then holds flat', sum(flat(300), step(4, 180)), 0.15],
    ['a diurnal cycle (±30 %)', sum(flat(300), diurnal(90, 24, -3)), 0.15],
    ['periodic bumps every 20 min', (hr) => 300 + ((hr * 60) % 20 < 3 ? 400 : 0), 0.1],
  ];
  it.each(quiet)('on %s', (_name, shape, sd) => {
    const h = drive(shape, 12, sd, 7);
    expect(h.eventsOf('raised')).toEqual([]);
  });

  it('the step is a real trap: without the step-versus-line and half-window gates it would page', () => {
    const h = new PredictionHarness({ predictor: { rules: { ...onlyRules(), [RULE]: { minLinearity: 0, halfRatio: -100 } } } });
    h.feed(series, sampler(sum(flat(300), step(4, 180)), h.start, new Rng(7), { relativeSd: 0.15, min: 1 }), 12);
    expect(h.eventsOf('raised', RULE).length).toBeGreaterThan(0);
  });
});

describe('gradual_performance_degradation - expires', () => {
  it('expires with the reason once a restart brings response time back down', () => {
    const restartAt = 4;
    const h = drive((hr) => (hr < restartAt ? 200 + 80 * Math.max(0, hr - 2) : 200), 6);
    expect(h.firstHours('raised', RULE)).toBeLessThan(restartAt);
    const expiredAt = h.firstHours('expired', RULE);
    expect(expiredAt).toBeGreaterThan(restartAt);
    expect(expiredAt).toBeLessThan(restartAt + 1);
    const p = h.predictor.list({ rule: RULE })[0]!;
    expect(p.state).toBe('expired');
    expect(p.expiryReason).toMatch(/^trend reversed: response time/);
    expect(h.eventsOf('expired', RULE)[0]!.data.reason).toBe(p.expiryReason);
  });
});
