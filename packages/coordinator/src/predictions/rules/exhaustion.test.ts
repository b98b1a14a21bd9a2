import { describe, expect, it } from 'vitest';
import { PredictionHarness } from '../harness.js';
import { flat, pulse, ramp, Rng, sampler, sawtooth, step, sum, type Shape } from '../synthetic.js';
import type { MetricName } from '../types.js';
import { onlyRules, type RuleName } from './index.js';

const HOUR = 3_600_000;

function drive(rule: RuleName, metric: MetricName, shape: Shape, hours: number, sd = 0.03, everyMs = 30_000, rules = onlyRules(rule)): PredictionHarness {
  const h = new PredictionHarness({ predictor: { rules } });
  return h.feed({ metric, instance: metric === 'memory_percent' ? '' : '/var' }, sampler(shape, h.start, new Rng(2), { sd, min: 0, max: 100 }), hours, everyMs);
}

describe('disk_exhaustion - time to full', () => {
  it('raises once 6 h of evidence exist, projecting the fill to within an hour of the truth', () => {
    // 60 % filling 2 %/h from 1 h: full at 21 h.
    const h = drive('disk_exhaustion', 'disk_percent', sum(flat(60), ramp(2, 1)), 8);
    const raisedAt = h.firstHours('raised', 'disk_exhaustion')!;
    // Coverage needs 80 % of the 6 h window: no verdict before 4.8 h.
    expect(raisedAt).toBeGreaterThanOrEqual(4.8);
    expect(raisedAt).toBeLessThan(6.5);
    const p = h.eventsOf('raised', 'disk_exhaustion')[0]!.data.prediction;
    expect(Math.abs(h.hoursOf(Date.parse(p.predictedFailureAt!)) - 21)).toBeLessThan(1);
    expect(p.trend).toMatchObject({ unit: '%', signal: 'mean', threshold: 100 });
    expect(p.instance).toBe('/var');
    expect(p.preventiveAction).toBe('Clean up the disk or extend it.');
    expect(p.summary).toMatch(/^\/var disk use at [\d.]+ %, rising \d\.\d+ %\/h: full in about/);
    expect(h.events[0]!.subject).toBe('vigil.v1.prediction.disk_exhaustion.web-1');
  });

  it('waits while the disk would be full only beyond 24 h, and raises when it gets within', () => {
    // 40 % filling 1.5 %/h from 0: full at 40 h, within 24 h from 16 h on.
    const h = drive('disk_exhaustion', 'disk_percent', sum(flat(40), ramp(1.5, 0)), 20);
    const raisedAt = h.firstHours('raised', 'disk_exhaustion')!;
    expect(raisedAt).toBeGreaterThan(15.5);
    expect(raisedAt).toBeLessThan(17);
  });

  const quiet: [string, Shape][] = [
    ['noise at 95 %', flat(95)],
    ['slow healthy growth (full in 300 h)', sum(flat(70), ramp(0.1, 0))],
    ['temporary files (+10 for 30 min)', sum(flat(85), pulse(8, 30, 10), pulse(15, 45, 8))],
    ['a step (+10) that then holds flat', sum(flat(80), step(8, 10))],
    ['logs that grow by day and rotate at night', (hr) => 75 + 4 * ((hr % 24) / 24)],
  ];
  it.each(quiet)('stays quiet on %s', (_name, shape) => {
    expect(drive('disk_exhaustion', 'disk_percent', shape, 30).eventsOf('raised')).toEqual([]);
  });

  it('expires when a clean-up reverses the trend, with the reason', () => {
    const h = drive('disk_exhaustion', 'disk_percent', (hr) => (hr < 9 ? 70 + 2 * hr : 40), 14);
    expect(h.firstHours('raised', 'disk_exhaustion')).toBeLessThan(9);
    const expiredAt = h.firstHours('expired', 'disk_exhaustion')!;
    expect(expiredAt).toBeGreaterThan(9);
    expect(expiredAt).toBeLessThan(12);
    expect(h.predictor.list({ rule: 'disk_exhaustion' })[0]!.expiryReason).toMatch(/^trend reversed: disk use (falling|flat)/);
  });
});

describe('inode_exhaustion - time to no inodes', () => {
  it('raises on a filesystem filling with small files, and not on a step', () => {
    const fill = drive('inode_exhaustion', 'inode_percent', sum(flat(50), ramp(3, 1)), 8);
    const p = fill.eventsOf('raised', 'inode_exhaustion')[0]!.data.prediction;
    expect(p.metric).toBe('inode_percent');
    expect(Math.abs(fill.hoursOf(Date.parse(p.predictedFailureAt!)) - (1 + 50 / 3))).toBeLessThan(1);
    expect(drive('inode_exhaustion', 'inode_percent', sum(flat(70), step(5, 15)), 16).eventsOf('raised')).toEqual([]);
  });
});

describe('memory_exhaustion - time to out of memory', () => {
  it('raises a slow leak on a nearly full host that resource_trend_analysis (5 %/h) rightly ignores', () => {
    // Floor 75 % + teeth of 5, rising 2 %/h from 2 h: the teeth reach 100 % at 12 h.
    const h = drive('memory_exhaustion', 'memory_percent', sum(flat(75), ramp(2, 2), sawtooth(5, 10)), 9, 0.3, 10_000, onlyRules('memory_exhaustion', 'resource_trend_analysis'));
    expect(h.eventsOf('raised', 'resource_trend_analysis')).toEqual([]);
    const p = h.eventsOf('raised', 'memory_exhaustion')[0]!.data.prediction;
    const raisedAt = h.hoursOf(Date.parse(p.raisedAt));
    // Within 6 h of 12 h: from about 6 h on (the peak of the noise makes it a little earlier).
    expect(raisedAt).toBeGreaterThan(5);
    expect(raisedAt).toBeLessThan(7);
    // Projected from the peaks, not the floor (which reaches 100 % 2.5 h later).
    expect(Math.abs(h.hoursOf(Date.parse(p.predictedFailureAt!)) - 12)).toBeLessThan(1.5);
    expect(p.trend.signal).toBe('floor');
    expect(Date.parse(p.predictedFailureAt!) - Date.parse(p.raisedAt)).toBeLessThanOrEqual(6 * HOUR);
  });
});
