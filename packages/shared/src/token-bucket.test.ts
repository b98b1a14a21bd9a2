import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { ProbeRateLimiter } from './probes/token-bucket.js';
import { TokenBucket } from './token-bucket.js';

describe('token bucket', () => {
  it('TokenBucket - starts full, refills evenly on the clock, never above capacity', () => {
    const clock = new FakeClock(0);
    const b = new TokenBucket(10, 5, clock);
    expect(b.takeUpTo(8)).toBe(5);
    expect(b.tryTake(1)).toBe(false);
    clock.advance(250);
    expect(b.available()).toBe(2);
    expect(b.tryTake(3)).toBe(false);
    expect(b.tryTake(2)).toBe(true);
    clock.advance(60_000);
    expect(b.available()).toBe(5);
    expect(() => new TokenBucket(0, 1, clock)).toThrow(RangeError);
  });

  it('ProbeRateLimiter - one token per probe from the same bucket, burst kept', () => {
    const clock = new FakeClock(0);
    const l = new ProbeRateLimiter(2, 2, clock);
    expect([l.tryTake(), l.tryTake(), l.tryTake()]).toEqual([true, true, false]);
    clock.advance(500);
    expect([l.tryTake(), l.tryTake()]).toEqual([true, false]);
    expect(() => new ProbeRateLimiter(1, 0.5, clock)).toThrow(/burst of at least 1/);
  });
});
