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

  it('delay - a period that is not positive is refused by name', () => {
    expect(() => new Cadence(new FakeClock(0)).delay(0)).toThrow(/cadence period must be positive, got 0/);
  });
});
