/**
 * Robust trend maths, pure and allocation-light. x values are hours (relative to the end of
 * the window, so they are <= 0 and the intercept is the fitted value "now").
 *
 * Theil–Sen (median of pairwise slopes) ignores up to ~29 % of wild points, so a one-off
 * spike cannot tilt the line the way it tilts least squares. Kendall's tau, computed from
 * the same pairs, says how monotonic the series is: a clean ramp is near 1, noise near 0, a
 * periodic signal (GC sawtooth, diurnal cycle) seen over whole periods near 0.
 */

const HOUR_MS = 3_600_000;

export interface LineFit {
  slopePerHour: number;
  /** Fitted value at x = 0. */
  intercept: number;
  /** Kendall's tau-a, -1..1. */
  tau: number;
  n: number;
}

/** Grown on demand and reused: fitting runs for every series every minute. */
let scratch = new Float64Array(1024);

function scratchOf(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(Math.max(size, scratch.length * 2));
  return scratch;
}

/** Median of the first `n` values of `a`; sorts that part of `a` in place. */
export function medianInPlace(a: Float64Array, n: number): number {
  if (n === 0) return Number.NaN;
  const part = a.subarray(0, n).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? part[mid]! : (part[mid - 1]! + part[mid]!) / 2;
}

export function median(values: ArrayLike<number>): number {
  const a = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i]!;
  return medianInPlace(a, a.length);
}

/**
 * Theil–Sen line with median intercept, and Kendall's tau, over points sorted by x.
 * O(n²) pairs: callers bound n (the rules group a window into at most ~60 points).
 */
export function fitLine(xs: ArrayLike<number>, ys: ArrayLike<number>, n = xs.length): LineFit {
  if (n < 2) return { slopePerHour: 0, intercept: n === 1 ? ys[0]! : Number.NaN, tau: 0, n };
  const pairs = (n * (n - 1)) / 2;
  const slopes = scratchOf(pairs);
  let k = 0;
  let concordance = 0;
  for (let i = 0; i < n - 1; i++) {
    const xi = xs[i]!;
    const yi = ys[i]!;
    for (let j = i + 1; j < n; j++) {
      const dx = xs[j]! - xi;
      if (dx <= 0) continue;
      const dy = ys[j]! - yi;
      slopes[k++] = dy / dx;
      if (dy > 0) concordance++;
      else if (dy < 0) concordance--;
    }
  }
  if (k === 0) return { slopePerHour: 0, intercept: ys[0]!, tau: 0, n };
  const slope = medianInPlace(slopes, k);
  const residuals = scratchOf(n);
  for (let i = 0; i < n; i++) residuals[i] = ys[i]! - slope * xs[i]!;
  const intercept = medianInPlace(residuals, n);
  return { slopePerHour: slope, intercept, tau: concordance / pairs, n };
}

/** Value of the line at `x` hours. */
export function valueAt(fit: LineFit, x: number): number {
  return fit.intercept + fit.slopePerHour * x;
}

/**
 * When the line reaches `threshold`, in ms since the epoch, with x = 0 at `atMs`; `atMs`
 * itself when it is already there; null when it never gets there (flat or moving away).
 */
export function crossingTime(fit: LineFit, threshold: number, atMs: number, direction: 'up' | 'down' = 'up'): number | null {
  const reached = direction === 'up' ? fit.intercept >= threshold : fit.intercept <= threshold;
  if (reached) return atMs;
  const towards = direction === 'up' ? fit.slopePerHour > 0 : fit.slopePerHour < 0;
  if (!towards || !Number.isFinite(fit.slopePerHour)) return null;
  const hours = (threshold - fit.intercept) / fit.slopePerHour;
  return atMs + hours * HOUR_MS;
}

/**
 * How much better a straight line explains the points than a single step does: the sum
 * of absolute deviations around the best two-level step (each level the median of its
 * side) divided by that around the line. Above 1 the line wins (a trend); below 1 a level
 * shift explains the window better (a deploy, a cache warming up), which then holds flat
 * and will not keep rising. Each side of the step has at least `minSide` points.
 */
export function stepVersusLine(xs: ArrayLike<number>, ys: ArrayLike<number>, n: number, fit: LineFit, minSide = Math.max(3, Math.floor(n / 6))): number {
  if (n < 2 * minSide) return Infinity;
  let lineSad = 0;
  for (let i = 0; i < n; i++) lineSad += Math.abs(ys[i]! - valueAt(fit, xs[i]!));
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  let best = Infinity;
  for (let k = minSide; k <= n - minSide; k++) {
    for (let i = 0; i < k; i++) left[i] = ys[i]!;
    for (let i = k; i < n; i++) right[i - k] = ys[i]!;
    const ml = medianInPlace(left, k);
    const mr = medianInPlace(right, n - k);
    let sad = 0;
    for (let i = 0; i < k; i++) sad += Math.abs(ys[i]! - ml);
    for (let i = k; i < n; i++) sad += Math.abs(ys[i]! - mr);
    if (sad < best) best = sad;
  }
  if (lineSad === 0) return best === 0 ? 1 : Infinity;
  return best / lineSad;
}

/**
 * How far a verdict can be trusted, 0-1: how monotonic the evidence is (tau, only its
 * rising part counts) scaled by how much of the window has data.
 */
export function confidenceOf(tau: number, coverage: number): number {
  const c = Math.max(0, Math.min(1, tau)) * Math.max(0, Math.min(1, coverage));
  return Math.round(c * 100) / 100;
}
