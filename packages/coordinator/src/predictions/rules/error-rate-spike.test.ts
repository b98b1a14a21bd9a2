import { describe, expect, it } from 'vitest';
import { PredictionHarness } from '../harness.js';
import { diurnal, errorRateSampler, flat, pulse, ramp, Rng, step, sum, type Shape } from '../synthetic.js';
import { onlyRules } from './index.js';

const RULE = 'error_rate_spike';
const MIN = 60_000;

function drive(rate: Shape, hours: number, requests = 300, seed = 1): PredictionHarness {
  const h = new PredictionHarness({ predictor: { rules: onlyRules(RULE) } });
  return h.feed({ service: 'api', metric: 'error_rate' }, errorRateSampler(rate, h.start, new Rng(seed), requests), hours);
}

describe('error_rate_spike - fires', () => {
  it('raises within 10 min of a rising error rate passing 1 %, announcing failure within 30 min', () => {
    // 0.2 % rising 6 %/h from 1 h: passes 1 % at 1 h 08 min.
    const h = drive(sum(flat(0.002), ramp(0.06, 1)), 2);
    const raisedAt = h.firstHours('raised', RULE)!;
    expect(raisedAt).toBeGreaterThan(1 + 8 / 60);
    expect(raisedAt).toBeLessThan(1 + 18 / 60);
    const p = h.eventsOf('raised', RULE)[0]!.data.prediction;
    expect(p.preventiveAction).toBe('Analyse the logs now; switch to the standby.');
    expect(p.summary).toMatch(/^api error rate [\d.]+ % and rising/);
    expect(Date.parse(p.predictedFailureAt!) - Date.parse(p.raisedAt)).toBeLessThanOrEqual(30 * MIN);
  });

  it('stays quiet while the rate rises but is still under 1 %', () => {
    expect(drive(sum(flat(0.001), ramp(0.004, 1)), 3).firstHours('raised', RULE)).toBeUndefined();
  });
});

describe('error_rate_spike - stays quiet', () => {
  const quiet: [string, Shape, number][] = [
    ['noise around 0.8 %', flat(0.008), 300],
    ['low traffic (20 requests a sample)', flat(0.006), 20],
    ['a burst of errors (8 % for 3 min)', sum(flat(0.003), pulse(2, 3, 0.08)), 300],
    ['a step to 2.5 % that then holds flat', sum(flat(0.003), step(2, 0.022)), 300],
    ['a diurnal cycle', sum(flat(0.004), diurnal(0.003, 24, -3)), 300],
  ];
  it.each(quiet)('on %s', (_name, rate, requests) => {
    expect(drive(rate, 6, requests, 5).eventsOf('raised')).toEqual([]);
  });

  it('the step is a real trap: without the half-window and step-versus-line gates it would page', () => {
    const h = new PredictionHarness({ predictor: { rules: { ...onlyRules(), [RULE]: { halfRatio: -100, minLinearity: 0 } } } });
    h.feed({ service: 'api', metric: 'error_rate' }, errorRateSampler(sum(flat(0.003), step(2, 0.022)), h.start, new Rng(5), 300), 6);
    expect(h.eventsOf('raised', RULE).length).toBeGreaterThan(0);
  });
});

describe('error_rate_spike - expires', () => {
  it('expires once the rate falls back under the hold level, with the reason', () => {
    // Rises to 4 % by 1.5 h, then the standby takes over and errors fall away.
    const h = drive((hr) => (hr < 1.5 ? 0.002 + 0.08 * Math.max(0, hr - 1) : 0.002), 3);
    expect(h.firstHours('raised', RULE)).toBeLessThan(1.5);
    const expiredAt = h.firstHours('expired', RULE)!;
    expect(expiredAt).toBeGreaterThan(1.5);
    expect(expiredAt).toBeLessThan(1.75);
    expect(h.predictor.list({ rule: RULE })[0]!.expiryReason).toMatch(/error rate (down to|falling)/);
  });
});
