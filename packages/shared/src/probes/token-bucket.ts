import type { Clock } from '../clock.js';
import { TokenBucket } from '../token-bucket.js';

/** The probe runner's rate limit: the shared token bucket, one token per probe, `burst` kept. */
export class ProbeRateLimiter {
  private readonly bucket: TokenBucket;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    clock: Clock,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) {
      throw new RangeError(`a rate limit needs a positive rate and a burst of at least 1 (got ${ratePerSecond}/s, ${burst})`);
    }
    this.bucket = new TokenBucket(ratePerSecond, burst, clock);
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    return this.bucket.tryTake(1);
  }
}
