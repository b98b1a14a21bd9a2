import { describe, expect, it } from 'vitest';
import { confidenceOf, crossingTime, fitLine, median, stepVersusLine } from './trend.js';
import { Rng } from './synthetic.js';

const HOUR = 3_600_000;
const xs = (n: number, span = 1) => Float64Array.from({ length: n }, (_, i) => -span + (span * i) / (n - 1));

describe('trend - Theil–Sen fit', () => {
  it('recovers slope and intercept of an exact line, with tau 1', () => {
    const x = xs(20);
    const y = x.map((v) => 40 + 6 * v);
    const f = fitLine(x, y);
    expect(f.slopePerHour).toBeCloseTo(6, 9);
    expect(f.intercept).toBeCloseTo(40, 9);
    expect(f.tau).toBe(1);
  });

  it('ignores a few wild points that would tilt least squares', () => {
    const x = xs(30);
    const y = x.map((v) => 50 + 2 * v);
    y[27] = 500; // a one-off spike near the end
    y[28] = 480;
    const f = fitLine(x, y);
    expect(f.slopePerHour).toBeCloseTo(2, 6);
    expect(f.intercept).toBeCloseTo(50, 6);
  });

  it('gives tau near 0 on noise and -1 on a clean fall', () => {
    const rng = new Rng(7);
    const x = xs(40);
    const noise = x.map(() => rng.normal());
    expect(Math.abs(fitLine(x, noise).tau)).toBeLessThan(0.25);
    expect(fitLine(x, x.map((v) => -v)).tau).toBe(-1);
  });

  it('handles fewer than two points without NaN slopes', () => {
    expect(fitLine([0], [3])).toEqual({ slopePerHour: 0, intercept: 3, tau: 0, n: 1 });
    expect(fitLine([], []).n).toBe(0);
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('trend - projection to a threshold', () => {
  const at = 1_000_000;
  it('projects when the line reaches the threshold', () => {
    expect(crossingTime({ slopePerHour: 5, intercept: 80, tau: 1, n: 10 }, 100, at)).toBe(at + 4 * HOUR);
  });
  it('is now when already there, and null when flat or moving away', () => {
    expect(crossingTime({ slopePerHour: 5, intercept: 100, tau: 1, n: 10 }, 100, at)).toBe(at);
    expect(crossingTime({ slopePerHour: 0, intercept: 80, tau: 0, n: 10 }, 100, at)).toBeNull();
    expect(crossingTime({ slopePerHour: -1, intercept: 80, tau: -1, n: 10 }, 100, at)).toBeNull();
  });
  it('confidence is the rising part of tau scaled by coverage', () => {
    expect(confidenceOf(0.9, 1)).toBe(0.9);
    expect(confidenceOf(0.9, 0.5)).toBe(0.45);
    expect(confidenceOf(-0.5, 1)).toBe(0);
  });
});

describe('trend - step versus line', () => {
  it('a ramp is better explained by a line than by a step (> 1)', () => {
    const rng = new Rng(3);
    const x = xs(30);
    const y = x.map((v) => 100 + 30 * v + rng.normal());
    expect(stepVersusLine(x, y, 30, fitLine(x, y))).toBeGreaterThan(1.2);
  });
  it('a level shift that then holds flat is better explained by a step (< 1)', () => {
    const rng = new Rng(4);
    const x = xs(30);
    const y = x.map((v, i) => (i < 12 ? 100 : 140) + rng.normal());
    expect(stepVersusLine(x, y, 30, fitLine(x, y))).toBeLessThan(0.6);
  });
});
