/**
 * Phi-accrual failure detection (Hayashibara et al.), as in Akka and Cassandra: keep a
 * window of recent heartbeat inter-arrival times, model them as a normal distribution and
 * turn "time since the last heartbeat" into phi = -log10(P(a heartbeat is still to come)).
 * phi 8 means a one-in-10^8 chance that the host is alive and merely late.
 */
export class IntervalWindow {
  /**
   * Single precision: every host has a window, and 32 bits keep an interval of up to 4.6 h
   * to a few microseconds, far finer than timers fire, at half the bytes (400 per host).
   * The sums take each interval as stored, so an evicted one subtracts what it added.
   */
  private readonly samples: Float32Array;
  private count = 0;
  private next = 0;
  private sum = 0;
  private sumSq = 0;

  constructor(readonly capacity = 100) {
    this.samples = new Float32Array(capacity);
  }

  add(ms: number): void {
    const intervalMs = Math.fround(ms);
    if (this.count === this.capacity) {
      const old = this.samples[this.next]!;
      this.sum -= old;
      this.sumSq -= old * old;
    } else {
      this.count++;
    }
    this.samples[this.next] = intervalMs;
    this.next = (this.next + 1) % this.capacity;
    this.sum += intervalMs;
    this.sumSq += intervalMs * intervalMs;
  }

  get size(): number {
    return this.count;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  get stdDev(): number {
    if (this.count < 2) return 0;
    const m = this.mean;
    return Math.sqrt(Math.max(0, this.sumSq / this.count - m * m));
  }
}

/** Akka's logistic approximation of the normal CDF's tail, in log10 form. */
export function phi(elapsedMs: number, meanMs: number, stdDevMs: number): number {
  const y = (elapsedMs - meanMs) / stdDevMs;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  if (elapsedMs > meanMs) return -Math.log10(e / (1 + e));
  return -Math.log10(1 - 1 / (1 + e));
}

/**
 * The standardized distance y at which phi reaches `threshold`. phi is monotonic in the
 * elapsed time, so a detector can compute one deadline per heartbeat instead of
 * re-evaluating phi for every host on every tick.
 */
export function yAtPhi(threshold: number): number {
  let lo = 0;
  let hi = 50;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (phi(mid, 0, 1) < threshold) lo = mid;
    else hi = mid;
  }
  return hi;
}
