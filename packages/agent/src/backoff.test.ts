import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from './backoff.js';

describe('backoff', () => {
  it('ceiling - doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 100].map((n) => backoffCeiling(n, 200, 10_000))).toEqual([200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  });

  it('full jitter - the delay spans 0 up to (not including) the ceiling', () => {
    expect(backoffDelay(3, { random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(400);
    expect(backoffDelay(3, { random: () => 0.9999 })).toBe(799);
    expect(backoffDelay(50, { random: () => 0.9999, baseMs: 100, capMs: 5000 })).toBe(4999);
  });

  it('full jitter - real random delays stay inside the window', () => {
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(4);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(1600);
    }
  });
});
