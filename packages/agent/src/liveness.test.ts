import { FakeClock, type Clock } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { Cadence } from './cadence.js';
import { LivenessPump } from './liveness.js';

/** Sends of a pump on `clock`, as ms after `from`. */
function pump(clock: Clock, cadence: Cadence, periodMs: number, from: number) {
  const sent: { at: number; stall: number }[] = [];
  const p = new LivenessPump(clock, cadence, periodMs, (stall) => sent.push({ at: clock.now() - from, stall }));
  return { p, sent };
}

describe('LivenessPump', () => {
  it('ticks on the grid points, whenever it was started', () => {
    const clock = new FakeClock(1_000_000);
    const { p, sent } = pump(clock, new Cadence(clock, 0), 1_000, 1_000_000);
    clock.advance(300);
    p.start();
    clock.advance(3_000);
    expect(sent.map((s) => s.at)).toEqual([1_000, 2_000, 3_000]);
    p.stop();
    clock.advance(5_000);
    expect(sent).toHaveLength(3);
  });

  it('runIfDue sends a tick that is due before its timer fires, once, and nothing before it is due', () => {
    const fake = new FakeClock(1_000_000);
    // Timers 50 ms late: another timer of the same wake-up gets to ask first.
    const late: Clock = {
      now: () => fake.now(),
      setTimeout: (fn, ms) => fake.setTimeout(fn, ms + 50),
      clearTimeout: (h) => fake.clearTimeout(h),
    };
    const { p, sent } = pump(late, new Cadence(fake, 0), 1_000, 1_000_000);
    p.start();
    fake.advance(999);
    p.runIfDue();
    expect(sent).toEqual([]);
    fake.advance(11);
    p.runIfDue();
    expect(sent).toEqual([{ at: 1_010, stall: 0 }]);
    // Its own timer, cleared, sends nothing; the next tick keeps the grid.
    fake.advance(1_000);
    expect(sent).toHaveLength(1);
    fake.advance(40);
    expect(sent.map((s) => s.at)).toEqual([1_010, 2_050]);
  });

  it('a timer that fires a few ms early (the event loop\'s cached time) still sends once per point', () => {
    const fake = new FakeClock(1_000_000);
    const early: Clock = {
      now: () => fake.now(),
      setTimeout: (fn, ms) => fake.setTimeout(fn, Math.max(0, ms - 3)),
      clearTimeout: (h) => fake.clearTimeout(h),
    };
    const { p, sent } = pump(early, new Cadence(fake, 0), 1_000, 1_000_000);
    p.start();
    fake.advance(10_000);
    expect(sent.map((s) => s.at)).toEqual([997, 1_997, 2_997, 3_997, 4_997, 5_997, 6_997, 7_997, 8_997, 9_997]);
    expect(sent.every((s) => s.stall === 0)).toBe(true);
  });

  it('a late tick reports the stall against its grid point and the next keeps the grid', () => {
    const clock = new FakeClock(1_000_000);
    const { p, sent } = pump(clock, new Cadence(clock, 0), 1_000, 1_000_000);
    p.start();
    clock.advance(1_000);
    clock.stall(2_400);
    clock.advance(1_000);
    expect(sent).toEqual([
      { at: 1_000, stall: 0 },
      { at: 3_400, stall: 1_400 },
      { at: 4_000, stall: 0 },
    ]);
  });
});
