import { coverageOf, groupPoints, since, splitAt, trailingMin, type Points } from '../signal.js';
import { fitLine, type LineFit } from '../trend.js';
import type { Evidence } from '../types.js';
import type { CommonSettings, RuleInput } from './types.js';

const HOUR_MS = 3_600_000;

export interface WindowFit {
  ok: true;
  fit: LineFit;
  /** Fits of the older and the newer half of the window: a trend must hold in both. */
  halves: [LineFit, LineFit];
  points: Points;
  evidence: Evidence;
  windowHours: number;
}

export type Analysis = WindowFit | { ok: false; evidence: Evidence; reason: string };

/**
 * Fits the rule's window. `floorSpanMs` > 0 fits the floor (trailing minimum of bucket
 * minimums over that span) instead of the mean; the look-back then starts that much earlier
 * so the floor is defined from the first point of the window.
 */
export function analyse(input: RuleInput, s: Readonly<CommonSettings>, floorSpanMs = 0): Analysis {
  const from = input.to - s.windowMs;
  const windowBuckets = input.buckets.filter((b) => b.t >= from && b.t < input.to);
  const coverage = coverageOf(windowBuckets, from, input.to, input.bucketMs);
  const evidence: Evidence = { from, to: input.to, points: windowBuckets.length, coverage: Math.round(coverage * 1000) / 1000 };
  if (coverage < s.minCoverage) {
    return { ok: false, evidence, reason: `only ${Math.round(coverage * 100)} % of the window has data (needs ${Math.round(s.minCoverage * 100)} %)` };
  }
  const windowHours = s.windowMs / HOUR_MS;
  let points: Points;
  if (floorSpanMs > 0) {
    const width = s.windowMs / s.maxPoints;
    const lookFrom = input.to - Math.ceil((s.windowMs + floorSpanMs) / width) * width;
    const groups = Math.round((input.to - lookFrom) / width);
    const mins = groupPoints(input.buckets, lookFrom, input.to, groups, 'min', input.bucketMs);
    points = since(trailingMin(mins, floorSpanMs / HOUR_MS), -windowHours);
  } else {
    points = groupPoints(windowBuckets, from, input.to, s.maxPoints, 'mean', input.bucketMs);
  }
  const [older, newer] = splitAt(points, -windowHours / 2);
  if (older.n < 3 || newer.n < 3) return { ok: false, evidence, reason: 'too few points in one half of the window' };
  return {
    ok: true,
    fit: fitLine(points.xs, points.ys, points.n),
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

export function round(v: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
