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

/** Slots a ring starts with: a few minutes of history before its first growth. */
export const INITIAL_RING_SLOTS = 4;

/** Bytes a series costs besides its slots: the ring, its buffer and views, key, id, map entries. */
const RING_OVERHEAD_BYTES = 400;

// A bucket is 5 words in one buffer: [index u32, min f32, mean f32, max f32, count u32].
const WORDS = 5;
const MIN = 1;
const MEAN = 2;
const MAX = 3;
const COUNT = 4;

/**
 * One series' ring of buckets. Slot = bucket index modulo the slots allocated; a slot whose
 * stored index differs from the one asked for is empty, so gaps and wrap-around need no
 * clearing. The ring starts with a few slots and doubles (up to `capacity`) when the buckets
 * it must keep span more than it has, so a series a few minutes old costs a few hundred
 * bytes, not the whole retention: most of a fleet's series are young or the coordinator
 * restarted recently. Once grown to `capacity` it is the plain whole ring. The buckets are
 * one buffer with two views (u32 and f32) rather than an array per field: a ring is then 3
 * objects, not 10, which matters at tens of thousands of series.
 */
export class SeriesRing {
  private u32: Uint32Array;
  private f32: Float32Array;
  /** Slots allocated now; grows to `capacity`. */
  private slots: number;
  /** Oldest bucket index written since the ring last held nothing inside the retention. */
  private oldest = -1;
  /** Newest bucket index written, -1 before the first. */
  newest = -1;
  /** Buckets up to this index are in SQLite. */
  flushedThrough = -1;

  constructor(
    readonly id: string,
    readonly key: Readonly<SeriesKey>,
    readonly capacity: number,
    initialSlots = INITIAL_RING_SLOTS,
  ) {
    this.slots = Math.max(1, Math.min(capacity, initialSlots));
    this.u32 = new Uint32Array(this.slots * WORDS);
    this.f32 = new Float32Array(this.u32.buffer);
  }

  /** Slots allocated now (for tests and the memory estimate). */
  get allocated(): number {
    return this.slots;
  }

  /** Adds one observation to bucket `bi`; false when `bi` has left the ring. */
  add(bi: number, value: number): boolean {
    if (this.newest >= 0 && bi <= this.newest - this.capacity) return false;
    this.makeRoom(bi);
    const o = (bi % this.slots) * WORDS;
    const u = this.u32;
    const f = this.f32;
    if (u[o] !== bi || u[o + COUNT] === 0) {
      u[o] = bi;
      f[o + MIN] = value;
      f[o + MEAN] = value;
      f[o + MAX] = value;
      u[o + COUNT] = 1;
    } else {
      const c = u[o + COUNT]! + 1;
      u[o + COUNT] = c;
      if (value < f[o + MIN]!) f[o + MIN] = value;
      if (value > f[o + MAX]!) f[o + MAX] = value;
      f[o + MEAN] = f[o + MEAN]! + (value - f[o + MEAN]!) / c;
    }
    if (bi > this.newest) this.newest = bi;
    // A late observation into a bucket already written to SQLite: write it again.
    if (bi <= this.flushedThrough) this.flushedThrough = bi - 1;
    return true;
  }

  /** Puts a whole bucket back (loading from SQLite). */
  put(bi: number, b: Omit<Bucket, 't'>): void {
    if (this.newest >= 0 && bi <= this.newest - this.capacity) return;
    this.makeRoom(bi);
    const o = (bi % this.slots) * WORDS;
    this.u32[o] = bi;
    this.f32[o + MIN] = b.min;
    this.f32[o + MEAN] = b.mean;
    this.f32[o + MAX] = b.max;
    this.u32[o + COUNT] = b.count;
    if (bi > this.newest) this.newest = bi;
  }

  has(bi: number): boolean {
    const o = (bi % this.slots) * WORDS;
    return this.u32[o] === bi && this.u32[o + COUNT]! > 0;
  }

  bucket(bi: number, bucketMs: number): Bucket | undefined {
    const o = (bi % this.slots) * WORDS;
    if (this.u32[o] !== bi || this.u32[o + COUNT] === 0) return undefined;
    const f = this.f32;
    return { t: bi * bucketMs, min: f[o + MIN]!, mean: f[o + MEAN]!, max: f[o + MAX]!, count: this.u32[o + COUNT]! };
  }

  /**
   * Grows the ring so that every bucket a whole ring would still hold after writing `bi`
   * (those in [newest - capacity + 1, newest]) keeps a slot of its own.
   */
  private makeRoom(bi: number): void {
    const newest = Math.max(this.newest, bi);
    const floor = newest - this.capacity + 1;
    if (this.oldest < 0 || this.newest < floor) {
      // Nothing written yet, or all of it has left the retention: the ring restarts at bi.
      // Stale slots are harmless: reads match the stored index and stay inside the span.
      this.oldest = bi;
    } else if (bi < this.oldest) {
      this.oldest = bi;
    } else if (this.oldest < floor) {
      this.oldest = floor;
    }
    const span = newest - this.oldest + 1;
    if (span <= this.slots) return;
    let slots = this.slots;
    while (slots < span) slots *= 2;
    this.resize(Math.min(slots, this.capacity));
  }

  private resize(slots: number): void {
    const u32 = new Uint32Array(slots * WORDS);
    const f32 = new Float32Array(u32.buffer);
    // Only the buckets inside the span move; the others have left the ring.
    for (let s = 0; s < this.slots; s++) {
      const o = s * WORDS;
      const bi = this.u32[o]!;
      if (this.u32[o + COUNT] === 0 || bi < this.oldest || bi > this.newest) continue;
      const n = (bi % slots) * WORDS;
      u32.set(this.u32.subarray(o, o + WORDS), n);
    }
    this.u32 = u32;
    this.f32 = f32;
    this.slots = slots;
  }
}

export function seriesId(k: SeriesKey): string {
  // NUL cannot occur in a host id, service name, metric or mount point. Joined, not
  // interpolated: a join is one flat string, where a template leaves a chain of cons cells (about
  // 160 bytes more per series) that the ring keeps for as long as it lives.
  return [k.hostId, k.service, k.metric, k.instance].join('\u0000');
}

/**
 * Downsampled recent history of every series the rules read, in memory, bounded: each
 * series keeps at most `retentionMs / bucketMs + 1` buckets (361 at the defaults, 7.2 KB,
 * reached after 4-6 h of history; a new series takes 80 bytes and doubles as it fills), and a host
 * at most `maxSeriesPerHost` series (64 → about 470 KB with overheads; a typical host with
 * a dozen series, about 90 KB once their rings are full).
 */
export class SeriesStore {
  readonly opts: Readonly<SeriesStoreOptions>;
  readonly capacity: number;
  private readonly rings = new Map<string, SeriesRing>();
  /**
   * A host's rings, found by comparing their keys: every heartbeat observes each of its
   * series, and building the id string to look it up in `rings` (a fresh string hashed
   * against every series of the fleet) was the largest function of ours in a CPU profile
   * of a coordinator at 15,000 hosts.
   */
  private readonly perHost = new Map<string, SeriesRing[]>();
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
    let own = this.perHost.get(key.hostId);
    if (own) {
      for (const ring of own) {
        const k = ring.key;
        if (k.metric === key.metric && k.instance === key.instance && k.service === key.service) return ring;
      }
      if (own.length >= this.opts.maxSeriesPerHost) {
        this.droppedForCap++;
        return undefined;
      }
    } else {
      this.perHost.set(key.hostId, (own = []));
    }
    const id = seriesId(key);
    // Copied field by field, not spread: a spread that has seen keys of several shapes
    // gives every copy a hidden class of its own (about 200 bytes each, four per host in a
    // heap snapshot of a loaded coordinator); a literal shares one.
    const copy: SeriesKey = { hostId: key.hostId, service: key.service, metric: key.metric, instance: key.instance };
    const ring = new SeriesRing(id, Object.freeze(copy), this.capacity);
    this.rings.set(id, ring);
    own.push(ring);
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
    return [...(this.perHost.get(hostId) ?? [])];
  }

  /** Forgets a host's series (the host was removed from the fleet). */
  forgetHost(hostId: string): void {
    for (const ring of this.perHost.get(hostId) ?? []) this.rings.delete(ring.id);
    this.perHost.delete(hostId);
  }

  /** Drops series with no bucket left inside the retention; returns how many. */
  sweep(now: number): number {
    const oldest = this.bucketIndex(now - this.opts.retentionMs);
    let removed = 0;
    for (const [id, ring] of this.rings) {
      if (ring.newest >= oldest) continue;
      this.rings.delete(id);
      const own = this.perHost.get(ring.key.hostId);
      const at = own ? own.indexOf(ring) : -1;
      if (own && at >= 0) {
        own.splice(at, 1);
        if (own.length === 0) this.perHost.delete(ring.key.hostId);
      }
      removed++;
    }
    return removed;
  }

  /** Approximate bytes held by the rings as allocated now (slots plus objects). */
  approxBytes(): number {
    let slots = 0;
    for (const ring of this.rings.values()) slots += ring.allocated;
    return slots * BYTES_PER_BUCKET + this.rings.size * RING_OVERHEAD_BYTES;
  }

  /** The most `approxBytes()` can reach with this many series: every ring full. */
  boundBytes(seriesCount: number): number {
    return seriesCount * (this.capacity * BYTES_PER_BUCKET + RING_OVERHEAD_BYTES);
  }
}
