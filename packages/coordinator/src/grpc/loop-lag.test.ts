import { FakeClock } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { LoopLag } from './loop-lag.js';

/** A fake clock whose timers can be made to fire late, as a blocked event loop does. */
function stall(clock: FakeClock, ms: number): void {
  // Time passes without timers running (the loop is busy), then they run late.
  (clock as unknown as { time: number }).time += ms;
  clock.advance(0);
}

describe('loop lag', () => {
  it('loop lag - on time reads 0; a stall reads its lateness for one window, then is forgotten', () => {
    const clock = new FakeClock();
    const lag = new LoopLag(clock, 100, 1000);
    lag.start();
    clock.advance(500);
    expect(lag.current()).toBe(0);
    stall(clock, 700);
    expect(lag.current()).toBe(600);
    clock.advance(500);
    expect(lag.current()).toBe(600);
    clock.advance(600);
    expect(lag.current()).toBe(0);
    lag.stop();
  });
});
