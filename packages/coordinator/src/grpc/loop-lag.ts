import type { Clock } from '@vigil/shared';

/**
 * How late the event loop runs, now: a timer set every `periodMs` notes how much later
 * than asked it fired. `current()` is the largest lateness of the last `windowMs`, so one
 * long stall is remembered for a moment (the Hellos read right after it were waiting
 * through it) and then forgotten once the loop is on time again.
 */
export class LoopLag {
  private timer: ReturnType<Clock['setTimeout']> | undefined;
  private samples: { at: number; lagMs: number }[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly periodMs = 100,
    private readonly windowMs = 1000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.arm();
  }

  stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  current(): number {
    const since = this.clock.now() - this.windowMs;
    let max = 0;
    for (const s of this.samples) if (s.at >= since && s.lagMs > max) max = s.lagMs;
    return max;
  }

  private arm(): void {
    const due = this.clock.now() + this.periodMs;
    this.timer = this.clock.setTimeout(() => {
      const now = this.clock.now();
      this.samples.push({ at: now, lagMs: Math.max(0, now - due) });
      const since = now - this.windowMs;
      while (this.samples.length > 0 && this.samples[0]!.at < since) this.samples.shift();
      this.arm();
    }, this.periodMs);
  }
}
