import { FakeClock } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { Cadence } from './cadence.js';

describe('Cadence', () => {
  it('delay - waits for the next grid point, a whole period when on one', () => {
    const clock = new FakeClock(10_000);
    const c = new Cadence(clock, 0);
    expect(c.delay(5_000)).toBe(5_000);
    clock.advance(1_234);
    expect(c.delay(5_000)).toBe(3_766);
    expect(c.delay(1_000)).toBe(766);
  });

  it('delay - two timers armed at different moments meet on the same points', () => {
    const clock = new FakeClock(1_001_000);
    const c = new Cadence(clock, 42);
    const a = clock.now() + c.delay(5_000);
    clock.advance(1_700); // still before that point
    const b = clock.now() + c.delay(5_000);
    expect(b).toBe(a);
    expect((a - 42) % 5_000).toBe(0);
  });

  it('forHost - phases differ between hosts and stay the same for one host', () => {
    const clock = new FakeClock(0);
    const phases = ['web-1', 'web-2', 'db-1', 'db-2'].map((h) => Cadence.forHost(clock, h).phaseMs % 5_000);
    expect(new Set(phases).size).toBe(4);
    expect(Cadence.forHost(clock, 'web-1').phaseMs).toBe(Cadence.forHost(clock, 'web-1').phaseMs);
  });

  it('delay - an offset shifts the grid points by that much', () => {
    const clock = new FakeClock(10_000);
    const c = new Cadence(clock, 0);
    expect(c.delay(5_000, 1_000)).toBe(1_000);
    clock.advance(1_000);
    expect(c.delay(5_000, 1_000)).toBe(5_000);
    expect(c.delay(5_000, 6_000)).toBe(5_000);
  });

  it('delayAfter - a timer that fired a few ms early waits for the next point, not those few ms; a late one keeps the grid', () => {
    const clock = new FakeClock(10_000);
    const c = new Cadence(clock, 0);
    // Due at 11,000, fired at 10,997: the point 3 ms away is the one just served.
    clock.advance(997);
    expect(c.delay(1_000)).toBe(3);
    expect(c.delayAfter(11_000, 1_000)).toBe(1_003);
    // Fired 700 ms late (at 11,700): the next point is 12,000, 300 ms away.
    clock.advance(703);
    expect(c.delayAfter(11_000, 1_000)).toBe(300);
    // On time: a whole period.
    clock.advance(300);
    expect(c.delayAfter(12_000, 1_000)).toBe(1_000);
  });

  it('delay - a period that is not positive is refused by name', () => {
    expect(() => new Cadence(new FakeClock(0)).delay(0)).toThrow(/cadence period must be positive, got 0/);
  });
});
