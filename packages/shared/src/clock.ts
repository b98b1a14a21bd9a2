/** Time as the detectors and timers see it; injected so tests can drive it. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque: only the clock that made a handle can clear it. */
export type TimerHandle = object;

/** Real time. Timers are unref'd: a pending detector deadline must not keep a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    // Node removes the list of a cleared timer from its queue only for a ref'd timer; an
    // unref'd one leaves an empty list behind that still wakes the process at its due time
    // (lib/internal/timers.js, unenroll). An agent clears a collector's or a check's budget
    // timer every round, so without this it woke once more per round to do nothing.
    const t = handle as NodeJS.Timeout;
    t.ref();
    clearTimeout(t);
  },
};

/** A clock that moves only when told to, firing due timers in order. */
export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete((handle as { id: number }).id);
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, t] of this.timers) {
        if (t.at <= end && (t.at < nextAt || (t.at === nextAt && id < nextId))) {
          nextAt = t.at;
          nextId = id;
        }
      }
      if (nextId < 0) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.time = Math.max(this.time, timer.at);
      timer.fn();
    }
    this.time = end;
  }

  /**
   * Moves time forward by `ms` without running anything on the way, then runs what fell
   * due, late: what timers see of a blocked event loop.
   */
  stall(ms: number): void {
    this.time += ms;
    this.advance(0);
  }

  pendingTimers(): number {
    return this.timers.size;
  }
}
