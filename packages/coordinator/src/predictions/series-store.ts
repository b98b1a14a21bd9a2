import type { Bucket, MetricName, SeriesKey } from './types.js';

export interface SeriesStoreOptions {
  /** Width of a bucket in ms; observations inside one are merged into min/mean/max/count. @default 60_000 */
  bucketMs: number;
  /** History kept per series, in ms: the longest rule window plus its look-back must fit. @default 6 h */
  retentionMs: number;
  /** Series a host may have; further ones are dropped (and counted), bounding memory per host. @default 64 */
  maxSeriesPerHost: number;
}

export const DEFAULT_SERIES_OPTIONS: Readonly<SeriesStoreOptions> = Object.freeze({
  bucketMs: 60_000,
  retentionMs: 6 * 3_600_000,
  maxSeriesPerHost: 64,
});

/** Bytes a bucket takes in the ring: index (u32) + min/mean/max (f32) + count (u32). */
export const BYTES_PER_BUCKET = 20;

/**
 * One series' ring of buckets, struct-of-arrays so that a 6 h series is 7 KB, not 360
 * objects. Slot = bucket index modulo capacity; a slot whose stored index differs from the
 * one asked for is empty, so gaps and wrap-around need no clearing.
 */
export class SeriesRing {
  readonly idx: Uint32Array;
  readonly min: Float32Array;
  readonly mean: Float32Array;
  readonly max: Float32Array;
  readonly count: Uint32Array;
  /** Newest bucket index written, -1 before the first. */
  newest = -1;
  /** Buckets up to this index are in SQLite. */
  flushedThrough = -1;

  constructor(
    readonly id: string,
    readonly key: Readonly<SeriesKey>,
    readonly capacity: number,
  ) {
    this.idx = new Uint32Array(capacity);
    this.min = new Float32Array(capacity);
    this.mean = new Float32Array(capacity);
    this.max = new Float32Array(capacity);
    this.count = new Uint32Array(capacity);
  }

  /** Adds one observation to bucket `bi`; false when `bi` has left the ring. */
  add(bi: number, value: number): boolean {
    if (this.newest >= 0 && bi <= this.newest - this.capacity) return false;
    const s = bi % this.capacity;
    if (this.idx[s] !== bi || this.count[s] === 0) {
      this.idx[s] = bi;
      this.min[s] = value;
      this.mean[s] = value;
      this.max[s] = value;
      this.count[s] = 1;
    } else {
      const c = this.count[s]! + 1;
      this.count[s] = c;
      if (value < this.min[s]!) this.min[s] = value;
      if (value > this.max[s]!) this.max[s] = value;
      this.mean[s] = this.mean[s]! + (value - this.mean[s]!) / c;
    }
    if (bi > this.newest) this.newest = bi;
    // A late observation into a bucket already written to SQLite: write it again.
    if (bi <= this.flushedThrough) this.flushedThrough = bi - 1;
    return true;
  }

  /** Puts a whole bucket back (loading from SQLite). */
  put(bi: number, b: Omit<Bucket, 't'>): void {
    if (this.newest >= 0 && bi <= this.newest - this.capacity) return;
    const s = bi % this.capacity;
    this.idx[s] = bi;
    this.min[s] = b.min;
    this.mean[s] = b.mean;
    this.max[s] = b.max;
    this.count[s] = b.count;
    if (bi > this.newest) this.newest = bi;
  }

  has(bi: number): boolean {
    const s = bi % this.capacity;
    return this.idx[s] === bi && this.count[s]! > 0;
  }

  bucket(bi: number, bucketMs: number): Bucket | undefined {
    const s = bi % this.capacity;
    if (this.idx[s] !== bi || this.count[s] === 0) return undefined;
    return { t: bi * bucketMs, min: this.min[s]!, mean: this.mean[s]!, max: this.max[s]!, count: this.count[s]! };
  }
}

export function seriesId(k: SeriesKey): string {
  // NUL cannot occur in a host id, service name, metric or mount point.
  return `${k.hostId}\u0000${k.service}\u0000${k.metric}\u0000${k.instance}`;
}

/**
 * Downsampled recent history of every series the rules read, in memory, bounded: each
 * series keeps `retentionMs / bucketMs` buckets (360 at the defaults, 7.2 KB), and a host
 * at most `maxSeriesPerHost` series (64 → about 470 KB with overheads; a typical host with
 * a dozen series, about 90 KB).
 */
export class SeriesStore {
  readonly opts: Readonly<SeriesStoreOptions>;
  readonly capacity: number;
  private readonly rings = new Map<string, SeriesRing>();
  private readonly perHost = new Map<string, Set<string>>();
  /** Observations refused because their host was at its series cap. */
  droppedForCap = 0;

  constructor(options: Partial<SeriesStoreOptions> = {}) {
    this.opts = Object.freeze({ ...DEFAULT_SERIES_OPTIONS, ...options });
    if (!(this.opts.bucketMs > 0) || !(this.opts.retentionMs >= this.opts.bucketMs)) {
      throw new RangeError(`series store: bucketMs (${this.opts.bucketMs}) must be > 0 and retentionMs (${this.opts.retentionMs}) at least one bucket`);
    }
    // One more than the retention: the open bucket must not evict the oldest closed one.
    this.capacity = Math.ceil(this.opts.retentionMs / this.opts.bucketMs) + 1;
  }

  bucketIndex(atMs: number): number {
    return Math.floor(atMs / this.opts.bucketMs);
  }

  /** Records a value; false when it was refused (not finite, too old, or over the host's cap). */
  observe(hostId: string, service: string, metric: MetricName, instance: string, value: number, atMs: number): boolean {
    if (!Number.isFinite(value) || !Number.isFinite(atMs) || atMs < 0) return false;
    const ring = this.ringFor({ hostId, service, metric, instance });
    if (!ring) return false;
    return ring.add(this.bucketIndex(atMs), value);
  }

  /** The ring of a series, created on first use; undefined when the host is at its cap. */
  ringFor(key: SeriesKey): SeriesRing | undefined {
    const id = seriesId(key);
    const existing = this.rings.get(id);
    if (existing) return existing;
    let ids = this.perHost.get(key.hostId);
    if (ids && ids.size >= this.opts.maxSeriesPerHost) {
      this.droppedForCap++;
      return undefined;
    }
    if (!ids) this.perHost.set(key.hostId, (ids = new Set()));
    const ring = new SeriesRing(id, Object.freeze({ ...key }), this.capacity);
    this.rings.set(id, ring);
    ids.add(id);
    return ring;
  }

  get(id: string): SeriesRing | undefined {
    return this.rings.get(id);
  }

  /** Buckets with data whose start lies in [from, to), oldest first. */
  window(id: string, from: number, to: number): Bucket[] {
    const ring = this.rings.get(id);
    if (!ring || ring.newest < 0) return [];
    const out: Bucket[] = [];
    const first = Math.max(this.bucketIndex(from + this.opts.bucketMs - 1), ring.newest - ring.capacity + 1, 0);
    const last = Math.min(Math.ceil(to / this.opts.bucketMs) - 1, ring.newest);
    for (let bi = first; bi <= last; bi++) {
      const b = ring.bucket(bi, this.opts.bucketMs);
      if (b) out.push(b);
    }
    return out;
  }

  /** Start of the newest bucket with data, or undefined. */
  lastAt(id: string): number | undefined {
    const ring = this.rings.get(id);
    return ring && ring.newest >= 0 ? ring.newest * this.opts.bucketMs : undefined;
  }

  series(): IterableIterator<SeriesRing> {
    return this.rings.values();
  }

  get size(): number {
    return this.rings.size;
  }

  seriesOf(hostId: string): SeriesRing[] {
    return [...(this.perHost.get(hostId) ?? [])].map((id) => this.rings.get(id)!);
  }

  /** Forgets a host's series (the host was removed from the fleet). */
  forgetHost(hostId: string): void {
    for (const id of this.perHost.get(hostId) ?? []) this.rings.delete(id);
    this.perHost.delete(hostId);
  }

  /** Drops series with no bucket left inside the retention; returns how many. */
  sweep(now: number): number {
    const oldest = this.bucketIndex(now - this.opts.retentionMs);
    let removed = 0;
    for (const [id, ring] of this.rings) {
      if (ring.newest >= oldest) continue;
      this.rings.delete(id);
      const ids = this.perHost.get(ring.key.hostId);
      ids?.delete(id);
      if (ids && ids.size === 0) this.perHost.delete(ring.key.hostId);
      removed++;
    }
    return removed;
  }

  /** Approximate bytes held by the rings: the documented bound is this at the cap. */
  approxBytes(): number {
    return this.rings.size * (this.capacity * BYTES_PER_BUCKET + 400);
  }
}
