import { averageInto, bucketPoints, coverageOf, groupPoints, splitAt, trailingQuantile, type Points } from '../signal.js';
import { fitLine, stepVersusLine, type LineFit } from '../trend.js';
import type { Evidence, Trend } from '../types.js';
import type { CommonSettings, RuleInput, Verdict } from './types.js';

const HOUR_MS = 3_600_000;

export interface WindowFit {
  ok: true;
  fit: LineFit;
  /** Fits of the older and the newer half of the window: a trend must hold in both. */
  halves: [LineFit, LineFit];
  points: Points;
  /** stepVersusLine: above 1 a trend explains the window better than a level shift. */
  linearity: number;
  evidence: Evidence;
  windowHours: number;
}

export type Analysis = WindowFit | { ok: false; evidence: Evidence; reason: string };

/** Fit the floor instead of the mean: a low quantile of the bucket minimums over a trailing span. */
export interface FloorOptions {
  spanMs: number;
  quantile: number;
}

/**
 * Fits the rule's window: the mean per point, or with `floor` the floor, a low quantile of
 * the bucket minimums over a trailing span (the look-back starts a span earlier so the floor
 * is defined from the first point of the window), averaged into the same points.
 *
 * Bucket minimums, not means: a bucket that holds a collection has its minimum at the
 * floor whatever the phase of the sawtooth, while the mean of a slice of a tooth drifts as
 * the teeth slide against the bucket edges (aliasing), which looks like a slow trend.
 */
export function analyse(input: RuleInput, s: Readonly<CommonSettings>, floor?: FloorOptions): Analysis {
  const from = input.to - s.windowMs;
  const windowBuckets = input.buckets.filter((b) => b.t >= from && b.t < input.to);
  // A floor needs its trailing span too: without it the first points' floor is just their value.
  const coverFrom = floor && floor.spanMs > 0 ? from - floor.spanMs : from;
  const coverage = coverageOf(input.buckets, coverFrom, input.to, input.bucketMs);
  const evidence: Evidence = { from, to: input.to, points: windowBuckets.length, coverage: Math.round(coverage * 1000) / 1000 };
  if (coverage < s.minCoverage) {
    return { ok: false, evidence, reason: `only ${Math.round(coverage * 100)} % of the window has data (needs ${Math.round(s.minCoverage * 100)} %)` };
  }
  const windowHours = s.windowMs / HOUR_MS;
  let points: Points;
  if (floor && floor.spanMs > 0) {
    const mins = bucketPoints(input.buckets, input.to, 'min', input.bucketMs);
    points = averageInto(trailingQuantile(mins, floor.spanMs / HOUR_MS, floor.quantile), -windowHours, s.maxPoints);
  } else {
    points = groupPoints(windowBuckets, from, input.to, s.maxPoints, 'mean', input.bucketMs);
  }
  const [older, newer] = splitAt(points, -windowHours / 2);
  if (older.n < 3 || newer.n < 3) return { ok: false, evidence, reason: 'too few points in one half of the window' };
  const fit = fitLine(points.xs, points.ys, points.n);
  return {
    ok: true,
    fit,
    linearity: stepVersusLine(points.xs, points.ys, points.n, fit),
    halves: [fitLine(older.xs, older.ys, older.n), fitLine(newer.xs, newer.ys, newer.n)],
    points,
    evidence,
    windowHours,
  };
}

/** Fit of the bucket means over the window (used to confirm a floor trend). */
export function meanFit(input: RuleInput, s: Readonly<CommonSettings>): LineFit {
  const from = input.to - s.windowMs;
  const p = groupPoints(input.buckets, from, input.to, s.maxPoints, 'mean', input.bucketMs);
  return fitLine(p.xs, p.ys, p.n);
}

/**
 * Spread (max − min) of the buckets' `pick` values since `from`. A fitted rise over a window
 * cannot much exceed the spread of the data in it, so a small spread proves a rule cannot
 * fire without fitting anything.
 */
export function spread(input: RuleInput, from: number, pick: 'mean' | 'min'): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const b of input.buckets) {
    if (b.t < from) continue;
    const v = b[pick];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi - lo;
}

/** The cheap verdict for a series that cannot fire. */
export function quiet(input: RuleInput, windowMs: number, reason: string): Verdict {
  const from = input.to - windowMs;
  let points = 0;
  for (const b of input.buckets) if (b.t >= from) points++;
  const coverage = Math.min(1, points / Math.max(1, Math.round(windowMs / input.bucketMs)));
  return { status: 'quiet', reason, evidence: { from, to: input.to, points, coverage: Math.round(coverage * 1000) / 1000 } };
}

export function round(v: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The fitted line as a verdict reports it: rounded to `digits`, crossing time in whole ms. */
export function trendOf(fit: LineFit, at: number, how: { unit: string; signal: Trend['signal']; threshold: number; crossesAt: number | null; digits?: number }): Trend {
  return {
    slopePerHour: round(fit.slopePerHour, how.digits),
    intercept: round(fit.intercept, how.digits),
    at,
    fit: round(fit.tau, 3),
    unit: how.unit,
    signal: how.signal,
    threshold: how.threshold,
    crossesAt: how.crossesAt === null ? null : Math.round(how.crossesAt),
  };
}

/**
 * Highest bucket maximum in the last `spanMs`: with a garbage collector, memory runs out at
 * the top of a tooth, not at the floor, so time-to-exhaustion projects the peak, which a
 * leak lifts at the floor's rate.
 */
export function recentPeak(input: RuleInput, spanMs: number): number {
  let peak = -Infinity;
  for (const b of input.buckets) if (b.t >= input.to - spanMs && b.max > peak) peak = b.max;
  return peak;
}

/** The floor line lifted to the recent peak: what reaches the failure level first. */
export function peakLine(fit: LineFit, peak: number): LineFit {
  return Number.isFinite(peak) && peak > fit.intercept ? { ...fit, intercept: peak } : fit;
}
