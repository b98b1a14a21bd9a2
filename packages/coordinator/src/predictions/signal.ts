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
 * The floor of a signal: at each point, the minimum over the trailing `spanHours`. Memory
 * that saws up and down with a garbage collector has a flat floor; a leak lifts the floor.
 * The span must exceed the longest collection cycle, or the floor follows the teeth.
 */
export function trailingMin(p: Points, spanHours: number): Points {
  const ys = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    let m = p.ys[i]!;
    for (let j = i - 1; j >= 0 && p.xs[i]! - p.xs[j]! < spanHours; j--) m = Math.min(m, p.ys[j]!);
    ys[i] = m;
  }
  return { xs: p.xs, ys, n: p.n };
}

/** The points with x >= fromX (x is hours relative to the window end). */
export function since(p: Points, fromX: number): Points {
  let start = 0;
  while (start < p.n && p.xs[start]! < fromX) start++;
  return { xs: p.xs.subarray(start, p.n), ys: p.ys.subarray(start, p.n), n: p.n - start };
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
