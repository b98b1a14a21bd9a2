import { systemClock, type Clock } from '@vigil/shared';

export interface ErrorRateOptions {
  /** Length of the sliding window. @default 300000 (5 min) */
  windowMs?: number;
  /** Resolution: counts are kept per bucket, so the window's edge is exact to one bucket. @default 1000 */
  bucketMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

export interface ErrorRateFigures {
  windowMs: number;
  /** Requests in the window. */
  requests: number;
  /** Requests in the window answered with a 5xx status. */
  errors5xx: number;
  /** errors5xx / requests, from 0 to 1; null when there were no requests. */
  errorRate: number | null;
}

interface Bucket {
  /** Which bucket of time this slot holds now (time / bucketMs); stale slots are reused. */
  index: number;
  requests: number;
  errors: number;
}

/**
 * The 5xx share of requests over a sliding window, on a ring of fixed buckets: memory is
 * fixed however many requests arrive. Requests are counted when they are read, not at the
 * time in the log line: a log buffered for a minute still describes the service now, and
 * arrival time never runs backwards.
 */
export class ErrorRateWindow {
  readonly windowMs: number;
  private readonly bucketMs: number;
  private readonly clock: Clock;
  private readonly ring: Bucket[];

  constructor(options: ErrorRateOptions = {}) {
    this.windowMs = options.windowMs ?? 300_000;
    this.bucketMs = options.bucketMs ?? 1000;
    this.clock = options.clock ?? systemClock;
    if (!(this.bucketMs >= 1) || !(this.windowMs >= this.bucketMs)) {
      throw new RangeError(`the error-rate window (${this.windowMs} ms) must be at least one bucket (${this.bucketMs} ms)`);
    }
    const n = Math.ceil(this.windowMs / this.bucketMs);
    this.ring = Array.from({ length: n }, () => ({ index: -1, requests: 0, errors: 0 }));
  }

  record(status: number, at: number = this.clock.now()): void {
    const index = Math.floor(at / this.bucketMs);
    const slot = this.ring[index % this.ring.length]!;
    if (slot.index !== index) {
      if (slot.index > index) return; // Older than the window: nothing to count it in.
      slot.index = index;
      slot.requests = 0;
      slot.errors = 0;
    }
    slot.requests++;
    if (status >= 500 && status <= 599) slot.errors++;
  }

  figures(at: number = this.clock.now()): ErrorRateFigures {
    const current = Math.floor(at / this.bucketMs);
    const oldest = current - this.ring.length + 1;
    let requests = 0;
    let errors5xx = 0;
    for (const b of this.ring) {
      if (b.index < oldest || b.index > current) continue;
      requests += b.requests;
      errors5xx += b.errors;
    }
    return { windowMs: this.windowMs, requests, errors5xx, errorRate: requests === 0 ? null : errors5xx / requests };
  }
}
