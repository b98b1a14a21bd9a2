import type { Clock } from '../clock.js';

/**
 * A token bucket on an injected clock: `ratePerSecond` tokens arrive evenly and at most
 * `burst` are kept. Refilled lazily on each call, so an idle bucket costs nothing.
 */
export class ProbeRateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) {
      throw new RangeError(`a rate limit needs a positive rate and a burst of at least 1 (got ${ratePerSecond}/s, ${burst})`);
    }
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
