import type { Bucket } from './types.js';

const HOUR_MS = 3_600_000;

/** Points to fit: x in hours relative to the window end (<= 0), sorted by x. */
export interface Points {
  xs: Float64Array;
  ys: Float64Array;
  n: number;
}

export type Pick = 'mean' | 'min' | 'max';

/** Share of the bucket slots in [from, to) that hold data. */
export function coverageOf(buckets: readonly Bucket[], from: number, to: number, bucketMs: number): number {
  const slots = Math.max(1, Math.round((to - from) / bucketMs));
  let present = 0;
  for (const b of buckets) if (b.t >= from && b.t < to) present++;
  return Math.min(1, present / slots);
}

/**
 * Merges the buckets of [from, to) into `groups` equal slices, one point per slice that has
 * data: the count-weighted mean of means, the min of mins or the max of maxes. Bounding the
 * point count bounds the O(n²) fit, whatever the window length.
 */
export function groupPoints(buckets: readonly Bucket[], from: number, to: number, groups: number, pick: Pick, bucketMs: number): Points {
  const width = (to - from) / groups;
  const xs = new Float64Array(groups);
  const ys = new Float64Array(groups);
  const tSum = new Float64Array(groups);
  const slots = new Float64Array(groups);
  const samples = new Float64Array(groups);
  const acc = new Float64Array(groups).fill(pick === 'min' ? Infinity : pick === 'max' ? -Infinity : 0);
  for (const b of buckets) {
    if (b.t < from || b.t >= to || b.count <= 0) continue;
    const g = Math.min(groups - 1, Math.floor((b.t - from) / width));
    tSum[g]! += b.t + bucketMs / 2;
    slots[g]! += 1;
    samples[g]! += b.count;
    if (pick === 'mean') acc[g]! += b.mean * b.count;
    else if (pick === 'min') acc[g] = Math.min(acc[g]!, b.min);
    else acc[g] = Math.max(acc[g]!, b.max);
  }
  let n = 0;
  for (let g = 0; g < groups; g++) {
    if (slots[g] === 0) continue;
    xs[n] = (tSum[g]! / slots[g]! - to) / HOUR_MS;
    ys[n] = pick === 'mean' ? acc[g]! / samples[g]! : acc[g]!;
    n++;
  }
  return { xs, ys, n };
}

/**
 * The floor of a signal: at each point, the `quantile` (0 = minimum) of the points in the
 * trailing `spanHours`. Memory that saws up and down with a garbage collector has a flat
 * floor; a leak lifts it. The span must exceed the longest collection cycle, or the floor
 * follows the teeth. A low quantile rather than the minimum keeps one noisy low point from
 * pinning the floor flat for a whole span.
 */
export function trailingQuantile(p: Points, spanHours: number, quantile = 0): Points {
  const ys = new Float64Array(p.n);
  const scratch = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    let k = 0;
    for (let j = i; j >= 0 && p.xs[i]! - p.xs[j]! < spanHours; j--) scratch[k++] = p.ys[j]!;
    const part = scratch.subarray(0, k).sort();
    ys[i] = part[Math.floor(quantile * (k - 1))]!;
  }
  return { xs: p.xs, ys, n: p.n };
}

/** One point per bucket: its `pick` value at its centre (x in hours before `to`). */
export function bucketPoints(buckets: readonly Bucket[], to: number, pick: Pick, bucketMs: number): Points {
  const xs = new Float64Array(buckets.length);
  const ys = new Float64Array(buckets.length);
  let n = 0;
  for (const b of buckets) {
    if (b.count <= 0 || b.t >= to) continue;
    xs[n] = (b.t + bucketMs / 2 - to) / HOUR_MS;
    ys[n] = b[pick];
    n++;
  }
  return { xs, ys, n };
}

/** Averages points into `groups` equal slices of [fromX, 0), one point per slice that has any. */
export function averageInto(p: Points, fromX: number, groups: number): Points {
  const width = -fromX / groups;
  const sx = new Float64Array(groups);
  const sy = new Float64Array(groups);
  const k = new Float64Array(groups);
  for (let i = 0; i < p.n; i++) {
    if (p.xs[i]! < fromX || p.xs[i]! >= 0) continue;
    const g = Math.min(groups - 1, Math.floor((p.xs[i]! - fromX) / width));
    sx[g]! += p.xs[i]!;
    sy[g]! += p.ys[i]!;
    k[g]! += 1;
  }
  const xs = new Float64Array(groups);
  const ys = new Float64Array(groups);
  let n = 0;
  for (let g = 0; g < groups; g++) {
    if (k[g] === 0) continue;
    xs[n] = sx[g]! / k[g]!;
    ys[n] = sy[g]! / k[g]!;
    n++;
  }
  return { xs, ys, n };
}

/** Splits points at x = atX into [x < atX] and [x >= atX]. */
export function splitAt(p: Points, atX: number): [Points, Points] {
  let cut = 0;
  while (cut < p.n && p.xs[cut]! < atX) cut++;
  return [
    { xs: p.xs.subarray(0, cut), ys: p.ys.subarray(0, cut), n: cut },
    { xs: p.xs.subarray(cut, p.n), ys: p.ys.subarray(cut, p.n), n: p.n - cut },
  ];
}
