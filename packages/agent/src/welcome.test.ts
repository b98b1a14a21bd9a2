import { describe, expect, it } from 'vitest';
import { agreedInterval } from './welcome.js';

describe('welcome - the agreed heartbeat interval', () => {
  it("takes the coordinator's interval when it is a sane one", () => {
    expect(agreedInterval(2000, 5000)).toBe(2000);
    expect(agreedInterval(100, 5000)).toBe(100);
    expect(agreedInterval(3_600_000, 5000)).toBe(3_600_000);
  });

  // Any positive Welcome.intervalMs was kept; past 2^31 ms the heartbeat timer fires every
  // 1 ms. test/fuzz/grpc-messages.fuzz.test.ts holds the bound on decoded Welcomes.
  it('keeps its own for 0 (not set), a fraction, below 100 ms or beyond 1 h', () => {
    for (const bad of [0, -5, 0.5, 99, 3_600_001, 2 ** 31, 1e300, Number.NaN]) expect(agreedInterval(bad, 5000)).toBe(5000);
  });
});
