import { describe, expect, it } from 'vitest';
import type { Bucket } from './types.js';
import { INITIAL_RING_SLOTS, SeriesRing, SeriesStore, seriesId } from './series-store.js';

const MIN = 60_000;
const key = { hostId: 'web-1', service: '', metric: 'disk_percent' as const, instance: '/' };
const id = seriesId(key);

/**
 * What a ring of `capacity` buckets means, written as plainly as possible: a map of bucket
 * index to bucket, a write older than the ring refused, reads limited to the last
 * `capacity` indices. Values go through float32 like the ring's.
 */
class ReferenceRing {
  private readonly buckets = new Map<number, Omit<Bucket, 't'>>();
  newest = -1;

  constructor(readonly capacity: number) {}

  add(bi: number, v: number): boolean {
    if (this.newest >= 0 && bi <= this.newest - this.capacity) return false;
    const b = this.buckets.get(bi);
    if (!b) this.buckets.set(bi, { min: Math.fround(v), mean: Math.fround(v), max: Math.fround(v), count: 1 });
    else {
      b.count++;
      b.min = Math.fround(Math.min(b.min, v));
      b.max = Math.fround(Math.max(b.max, v));
      b.mean = Math.fround(b.mean + (v - b.mean) / b.count);
    }
    this.newest = Math.max(this.newest, bi);
    return true;
  }

  put(bi: number, b: Omit<Bucket, 't'>): void {
    if (this.newest >= 0 && bi <= this.newest - this.capacity) return;
    this.buckets.set(bi, { min: Math.fround(b.min), mean: Math.fround(b.mean), max: Math.fround(b.max), count: b.count });
    this.newest = Math.max(this.newest, bi);
  }

  window(fromBi: number, toBi: number): Bucket[] {
    const out: Bucket[] = [];
    for (let bi = Math.max(fromBi, this.newest - this.capacity + 1, 0); bi <= Math.min(toBi, this.newest); bi++) {
      const b = this.buckets.get(bi);
      if (b) out.push({ t: bi * MIN, ...b });
    }
    return out;
  }
}

/** Every bucket a ring holds in [fromBi, toBi], read the way the store's window reads it. */
function read(ring: SeriesRing, fromBi: number, toBi: number): Bucket[] {
  const out: Bucket[] = [];
  for (let bi = Math.max(fromBi, ring.newest - ring.capacity + 1, 0); bi <= Math.min(toBi, ring.newest); bi++) {
    const b = ring.bucket(bi, MIN);
    if (b) out.push(b);
  }
  return out;
}

/** Small deterministic generator, so a failure replays. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('series ring - growth', () => {
  it('starts small and doubles as buckets arrive, up to its capacity, then wraps like a whole ring', () => {
    const capacity = 361;
    const growing = new SeriesRing(id, key, capacity);
    const whole = new SeriesRing(id, key, capacity, capacity);
    const ref = new ReferenceRing(capacity);
    const B0 = 28_640_000; // a bucket index of today's clock
    expect(growing.allocated).toBe(INITIAL_RING_SLOTS);
    const seen: number[] = [];
    // Past every boundary (4, 8, …, 256, 361), then twice round the full ring.
    for (let i = 0; i < 3 * capacity; i++) {
      const bi = B0 + i;
      for (const v of [i, i + 0.5, i - 0.25]) {
        expect(growing.add(bi, v)).toBe(ref.add(bi, v));
        whole.add(bi, v);
      }
      if (seen.at(-1) !== growing.allocated) seen.push(growing.allocated);
      expect(growing.allocated).toBeGreaterThanOrEqual(Math.min(i + 1, capacity));
      // At each boundary and around the wrap, the whole window is the same in all three.
      if (i < 520 ? (i & (i + 1)) === 0 || (i & i - 1) === 0 : i % 97 === 0) {
        const w = ref.window(B0 - 5, bi + 5);
        expect(read(growing, B0 - 5, bi + 5)).toEqual(w);
        expect(read(whole, B0 - 5, bi + 5)).toEqual(w);
      }
    }
    expect(seen).toEqual([4, 8, 16, 32, 64, 128, 256, 361]);
    expect(read(growing, B0, B0 + 3 * capacity)).toEqual(ref.window(B0, B0 + 3 * capacity));
    expect(read(growing, B0, B0 + 3 * capacity)).toHaveLength(capacity);
    // Older than the ring: refused by both.
    expect(growing.add(B0 + 2 * capacity - 1, 1)).toBe(false);
    expect(ref.add(B0 + 2 * capacity - 1, 1)).toBe(false);
  });

  it('keeps buckets across gaps without growing for the empty minutes it does not need', () => {
    const ring = new SeriesRing(id, key, 361);
    ring.add(1000, 1);
    ring.add(1002, 2);
    expect(ring.allocated).toBe(4);
    ring.add(1010, 3); // span 11 → 16 slots
    expect(ring.allocated).toBe(16);
    expect(read(ring, 0, 2000).map((b) => b.mean)).toEqual([1, 2, 3]);
  });

  it('starts afresh when everything it held has left the retention, without growing', () => {
    const ring = new SeriesRing(id, key, 21);
    const ref = new ReferenceRing(21);
    for (const bi of [100, 101, 102, 200, 201, 202, 203, 204]) {
      ring.add(bi, bi);
      ref.add(bi, bi);
    }
    expect(ring.allocated).toBe(8);
    expect(read(ring, 0, 300)).toEqual(ref.window(0, 300));
    expect(read(ring, 0, 300).map((b) => b.mean)).toEqual([200, 201, 202, 203, 204]);
  });

  it('late buckets and reloads (put) below the oldest grow the ring downwards', () => {
    const ring = new SeriesRing(id, key, 21);
    const ref = new ReferenceRing(21);
    ring.add(500, 5);
    ref.add(500, 5);
    for (const bi of [499, 490, 485]) {
      ring.put(bi, { min: 1, mean: 2, max: 3, count: 4 });
      ref.put(bi, { min: 1, mean: 2, max: 3, count: 4 });
    }
    expect(ring.allocated).toBe(16);
    expect(ring.add(479, 1)).toBe(false); // 500 - 21: out of the ring
    expect(read(ring, 0, 600)).toEqual(ref.window(0, 600));
    expect(read(ring, 0, 600).map((b) => b.t / MIN)).toEqual([485, 490, 499, 500]);
  });

  it('answers like the reference model under random writes: gaps, late buckets, reloads, long silences', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const next = rng(seed);
      const capacity = 1 + Math.floor(next() * 40);
      const ring = new SeriesRing(id, key, capacity);
      const ref = new ReferenceRing(capacity);
      let clock = 10_000;
      for (let step = 0; step < 2000; step++) {
        const r = next();
        // Mostly the current bucket or the next, sometimes a gap or a long silence, sometimes late.
        if (r < 0.45) clock += 0;
        else if (r < 0.8) clock += 1;
        else if (r < 0.92) clock += 1 + Math.floor(next() * capacity);
        else if (r < 0.95) clock += capacity + Math.floor(next() * 3 * capacity);
        const late = next() < 0.1 ? Math.floor(next() * (capacity + 3)) : 0;
        const bi = clock - late;
        const v = Math.round(next() * 10_000) / 100;
        if (next() < 0.1) {
          const b = { min: v - 1, mean: v, max: v + 1, count: 1 + Math.floor(next() * 5) };
          ring.put(bi, b);
          ref.put(bi, b);
        } else {
          expect(ring.add(bi, v), `seed ${seed} step ${step} add(${bi})`).toBe(ref.add(bi, v));
        }
        expect(ring.newest).toBe(ref.newest);
        expect(ring.allocated).toBeLessThanOrEqual(capacity);
        const from = clock - Math.floor(next() * (capacity + 5));
        const to = clock + Math.floor(next() * 3);
        expect(read(ring, from, to), `seed ${seed} step ${step} window [${from}, ${to}]`).toEqual(ref.window(from, to));
      }
    }
  });
});

describe('series store - ring memory', () => {
  it('a young series allocates a few slots, a full one its capacity; approxBytes follows', () => {
    const s = new SeriesStore();
    const T0 = 1_718_064_000_000;
    s.observe('a', '', 'memory_percent', '', 1, T0);
    const young = s.approxBytes();
    expect(young).toBeLessThan(500);
    for (let m = 0; m < 400; m++) s.observe('a', '', 'memory_percent', '', m, T0 + m * MIN);
    expect(s.get(seriesId({ hostId: 'a', service: '', metric: 'memory_percent', instance: '' }))!.allocated).toBe(361);
    expect(s.approxBytes()).toBe(s.boundBytes(1));
    expect(s.window(seriesId({ hostId: 'a', service: '', metric: 'memory_percent', instance: '' }), T0, T0 + 400 * MIN)).toHaveLength(361);
  });
});
