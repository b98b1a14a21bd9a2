import { describe, expect, it } from 'vitest';
import { averageInto, bucketPoints, coverageOf, groupPoints, splitAt, trailingQuantile } from './signal.js';
import type { Bucket } from './types.js';

const MIN = 60_000;
const b = (minute: number, mean: number, count = 1, min = mean, max = mean): Bucket => ({ t: minute * MIN, mean, count, min, max });

describe('signal - grouping buckets into points', () => {
  const buckets = [b(0, 10, 1, 5, 20), b(1, 20, 3, 15, 40), b(3, 30, 2, 25, 35)];
  it('weights means by sample count and places x at the slots centre, in hours before the end', () => {
    const p = groupPoints(buckets, 0, 4 * MIN, 2, 'mean', MIN);
    expect(p.n).toBe(2);
    expect(p.ys[0]).toBeCloseTo((10 * 1 + 20 * 3) / 4, 9);
    expect(p.xs[0]).toBeCloseTo((1 * MIN - 4 * MIN) / 3_600_000, 9); // centre of buckets 0 and 1 = 1 min
    expect(p.ys[1]).toBe(30);
  });
  it('takes the min of mins and the max of maxes', () => {
    expect(groupPoints(buckets, 0, 4 * MIN, 2, 'min', MIN).ys[0]).toBe(5);
    expect(groupPoints(buckets, 0, 4 * MIN, 2, 'max', MIN).ys[0]).toBe(40);
  });
  it('skips empty groups and buckets outside the window', () => {
    const p = groupPoints(buckets, 0, 4 * MIN, 4, 'mean', MIN);
    expect(p.n).toBe(3);
    expect(groupPoints(buckets, 2 * MIN, 3 * MIN, 1, 'mean', MIN).n).toBe(0);
  });
  it('coverage counts the slots with data', () => {
    expect(coverageOf(buckets, 0, 4 * MIN, MIN)).toBe(0.75);
    expect(coverageOf(buckets, 0, 8 * MIN, MIN)).toBe(0.375);
  });
});

describe('signal - floor, since and split', () => {
  it('trailing minimum over a span follows a rising floor but not the teeth', () => {
    const xs = Float64Array.from([-5, -4, -3, -2, -1, 0]);
    const ys = Float64Array.from([10, 30, 11, 31, 12, 32]);
    const f = trailingQuantile({ xs, ys, n: 6 }, 1.5);
    expect([...f.ys]).toEqual([10, 10, 11, 11, 12, 12]);
  });
  it('a low quantile ignores one outlying low point that the minimum would hold for a whole span', () => {
    const xs = Float64Array.from([-6, -5, -4, -3, -2, -1, 0]);
    const ys = Float64Array.from([10, 11, 0, 13, 14, 15, 16]);
    expect([...trailingQuantile({ xs, ys, n: 7 }, 4.5, 0).ys].slice(-3)).toEqual([0, 0, 0]);
    expect([...trailingQuantile({ xs, ys, n: 7 }, 4.5, 0.25).ys].slice(-3)).toEqual([10, 11, 13]);
  });
  it('splitAt cuts at x', () => {
    const p = { xs: Float64Array.from([-3, -2, -1, 0]), ys: Float64Array.from([1, 2, 3, 4]), n: 4 };
    const [a, c] = splitAt(p, -1.5);
    expect([a.n, c.n]).toEqual([2, 2]);
    expect([...c.ys]).toEqual([3, 4]);
  });
  it('one point per bucket at its centre, then averaged into slices of the window', () => {
    const buckets = [b(0, 10, 1, 1), b(1, 20, 1, 2), b(2, 30, 1, 3), b(3, 40, 1, 4)];
    const p = bucketPoints(buckets, 4 * MIN, 'min', MIN);
    expect([...p.ys]).toEqual([1, 2, 3, 4]);
    expect(p.xs[0]).toBeCloseTo(-3.5 / 60, 9);
    const avg = averageInto(p, -4 / 60, 2);
    expect([...avg.ys.subarray(0, avg.n)]).toEqual([1.5, 3.5]);
    expect(averageInto(p, -2 / 60, 2).n).toBe(2); // older buckets fall outside the window
  });
});
