import { systemClock, type Clock, type TimerHandle } from '@vigil/shared';
import { Cadence } from './cadence.js';
import type { SampleRound } from './collectors/runner.js';

/** Anything that produces a round of samples; the CollectorRunner in production. */
export interface SampleSource {
  run(): Promise<SampleRound>;
}

export interface SamplerOptions {
  intervalMs: number;
  clock?: Clock;
  /** The grid rounds start on (see cadence.ts). @default phase 0 on `clock` */
  cadence?: Cadence;
  /** Called when a round fails as a whole (it should not: the runner isolates collectors). */
  onError?: (err: unknown) => void;
}

/**
 * Refreshes the resource sample on its own timer, so sending a heartbeat only reads the
 * latest round and never waits for a collector.
 */
export class Sampler {
  private readonly source: SampleSource;
  private readonly clock: Clock;
  private readonly cadence: Cadence;
  private readonly onError: (err: unknown) => void;
  private intervalMs: number;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  private last: SampleRound | undefined;

  constructor(source: SampleSource, options: SamplerOptions) {
    this.source = source;
    this.intervalMs = options.intervalMs;
    this.clock = options.clock ?? systemClock;
    this.cadence = options.cadence ?? new Cadence(this.clock);
    this.onError = options.onError ?? (() => {});
  }

  /** The most recent complete round, or undefined before the first one finishes. */
  latest(): SampleRound | undefined {
    return this.last;
  }

  /** Starts sampling now and then once per interval. Resolves when the first round is in. */
  start(): Promise<void> {
    if (this.started) return this.running ?? Promise.resolve();
    this.started = true;
    return this.tick();
  }

  stop(): void {
    this.started = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Follows the interval the coordinator asked for; takes effect from the next round. */
  setInterval(ms: number): void {
    this.intervalMs = ms;
  }

  private tick(): Promise<void> {
    this.running = this.source
      .run()
      .then((round) => {
        this.last = round;
      })
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.running = undefined;
        if (!this.started) return;
        // Rounds start on the agent's grid, with the rest of its periodic work; a slow round
        // delays the next one to the following point, never overlaps it.
        this.timer = this.clock.setTimeout(() => void this.tick(), this.cadence.delay(this.intervalMs));
      });
    return this.running;
  }
}
