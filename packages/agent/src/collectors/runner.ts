import { systemClock, type Clock } from '@vigil/shared';
import { CollectorBusyError, CollectorTimeoutError, PartialCollectError, describeError } from '../errors.js';
import type { Collector, CollectorStatus, MonotonicMs, Sample, SamplePart } from './types.js';
import { monotonicMs } from './types.js';

/** One round of every collector: the merged sample and each collector's outcome. */
export interface SampleRound {
  readonly sample: Sample;
  readonly statuses: readonly CollectorStatus[];
}

export interface CollectorRunnerOptions {
  /**
   * Budget for one collector in one round. A collector that has not settled by then is
   * reported as failed and its part is left out; the round goes on without it.
   * @default 2000
   */
  timeoutMs?: number;
  /** Wall clock for `takenAtMs` and the timeout timers. @default systemClock */
  clock?: Clock;
  /** Monotonic clock for durations. @default performance.now */
  now?: MonotonicMs;
}

const DEFAULT_TIMEOUT_MS = 2000;

type Outcome = { part: SamplePart | undefined; status: CollectorStatus };

/**
 * Runs collectors concurrently, timing each and isolating its failure: a throwing,
 * rejecting or hanging collector costs only its own part of the sample.
 */
export class CollectorRunner {
  private readonly collectors: readonly Collector[];
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly now: MonotonicMs;
  /** Start time of calls that have not settled yet, by collector name. */
  private readonly pending = new Map<string, number>();

  constructor(collectors: readonly Collector[], options: CollectorRunnerOptions = {}) {
    this.collectors = collectors;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clock = options.clock ?? systemClock;
    this.now = options.now ?? monotonicMs;
  }

  get names(): string[] {
    return this.collectors.map((c) => c.name);
  }

  async run(): Promise<SampleRound> {
    const takenAtMs = this.clock.now();
    const outcomes = await Promise.all(this.collectors.map((c) => this.runOne(c)));
    const sample: Sample = { takenAtMs, cpu: null, memory: null, filesystems: [], network: [] };
    for (const { part } of outcomes) if (part) mergeInto(sample, part);
    return { sample, statuses: outcomes.map((o) => o.status) };
  }

  private async runOne(c: Collector): Promise<Outcome> {
    const startedAt = this.now();
    const since = this.pending.get(c.name);
    if (since !== undefined) return this.failed(c.name, startedAt, new CollectorBusyError(c.name, startedAt - since));

    this.pending.set(c.name, startedAt);
    let call: Promise<SamplePart>;
    try {
      call = Promise.resolve(c.collect());
    } catch (err) {
      // A collector that throws synchronously instead of rejecting.
      call = Promise.reject(err);
    }
    call.then(
      () => this.pending.delete(c.name),
      () => this.pending.delete(c.name),
    );

    let timer: object | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => reject(new CollectorTimeoutError(c.name, this.timeoutMs)), this.timeoutMs);
    });
    try {
      const part = await Promise.race([call, timeout]);
      return { part, status: { name: c.name, ok: true, durationMs: this.elapsed(startedAt), error: '' } };
    } catch (err) {
      const partial = err instanceof PartialCollectError ? (err.partial as SamplePart) : undefined;
      return { ...this.failed(c.name, startedAt, err), part: partial };
    } finally {
      if (timer) this.clock.clearTimeout(timer);
    }
  }

  private failed(name: string, startedAt: number, err: unknown): Outcome {
    return { part: undefined, status: { name, ok: false, durationMs: this.elapsed(startedAt), error: describeError(err).slice(0, 1024) } };
  }

  private elapsed(startedAt: number): number {
    return Math.round((this.now() - startedAt) * 1000) / 1000;
  }
}

function mergeInto(sample: Sample, part: SamplePart): void {
  if (part.cpu !== undefined) sample.cpu = part.cpu;
  if (part.memory !== undefined) sample.memory = part.memory;
  if (part.filesystems !== undefined) sample.filesystems = part.filesystems;
  if (part.network !== undefined) sample.network = part.network;
}
