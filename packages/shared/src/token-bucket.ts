import type { Clock } from './clock.js';

/**
 * The one token bucket (the agent's log reading budgets, the probe rate limit), on an
 * injected clock: `ratePerSecond` tokens arrive evenly, at most `capacity` are kept.
 * Refilled lazily on each call, so an idle bucket costs nothing.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    private readonly clock: Clock,
  ) {
    if (!(ratePerSecond > 0) || !(capacity > 0)) throw new RangeError(`a token bucket needs a positive rate and capacity (got ${ratePerSecond}/s, ${capacity})`);
    this.tokens = capacity;
    this.last = clock.now();
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
      this.last = now;
    }
  }

  /**
   * Takes `n` tokens if all are there; takes nothing otherwise. `now` lets a caller that
   * asks once per line read the clock once per chunk instead.
   */
  tryTake(n: number, now: number = this.clock.now()): boolean {
    this.refill(now);
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Takes as many of `n` tokens as there are (whole tokens only) and says how many. */
  takeUpTo(n: number, now: number = this.clock.now()): number {
    this.refill(now);
    const got = Math.min(n, Math.floor(this.tokens));
    this.tokens -= got;
    return got;
  }

  available(now: number = this.clock.now()): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }
}
