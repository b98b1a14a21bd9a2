import Database from 'better-sqlite3';
import { FakeClock, type CloudEvent } from '@vigil/shared';
import type { Db } from '../store/db.js';
import { migrate } from '../store/db.js';
import type { PredictionEventData, PredictionEventName } from './prediction-events.js';
import type { PredictorOptions } from './predictor-options.js';
import { Predictor } from './predictor.js';
import type { CompiledRule } from './rules/index.js';
import { SeriesStore, type SeriesStoreOptions } from './series-store.js';
import { simulate } from './synthetic.js';
import type { MetricName } from './types.js';

export interface HarnessOptions {
  /** @default 2024-06-11T00:00:00Z */
  start?: number;
  predictor?: Partial<PredictorOptions>;
  series?: Partial<SeriesStoreOptions>;
  /** A database with the predictions migration applied; a fresh in-memory one by default. */
  db?: Db;
  /** Rules to run instead of the table's. */
  rules?: readonly CompiledRule[];
}

/** Creates an in-memory database with the coordinator's schema (every migration). */
export function memoryDb(): Db {
  const db = new Database(':memory:');
  migrate(db);
  return db;
}

/**
 * A predictor on a fake clock with an event recorder: what the rules' tests and the
 * bench drive, minute by minute, through the real code path.
 */
export class PredictionHarness {
  readonly start: number;
  readonly clock: FakeClock;
  readonly db: Db;
  readonly series: SeriesStore;
  readonly predictor: Predictor;
  readonly events: { subject: string; event: CloudEvent<PredictionEventData> }[] = [];

  constructor(opts: HarnessOptions = {}) {
    this.start = opts.start ?? Date.UTC(2024, 5, 11);
    this.clock = new FakeClock(this.start);
    this.db = opts.db ?? memoryDb();
    this.series = new SeriesStore(opts.series);
    this.predictor = new Predictor(
      {
        clock: this.clock,
        db: this.db,
        series: this.series,
        sink: { enqueue: (subject, event) => this.events.push({ subject, event: event as CloudEvent<PredictionEventData> }), kick: () => {} },
        ...(opts.rules ? { rules: opts.rules } : {}),
      },
      opts.predictor,
    );
    this.predictor.start();
  }

  /** Hours since the start, as a time. */
  at(hours: number): number {
    return this.start + hours * 3_600_000;
  }

  /** Hours since the start of a time. */
  hoursOf(t: number): number {
    return (t - this.start) / 3_600_000;
  }

  /** Runs the clock to `untilHours`, calling `observe` every `everyMs`. */
  runUntil(untilHours: number, everyMs: number, observe: (atMs: number) => void): void {
    simulate(this.clock, this.at(untilHours), everyMs, observe);
  }

  /** Feeds one series from `sample` every `everyMs` until `untilHours` (host `web-1` unless given). */
  feed(series: { hostId?: string; service?: string; metric: MetricName; instance?: string }, sample: (atMs: number) => number, untilHours: number, everyMs = 10_000): this {
    const { hostId = 'web-1', service = '', metric, instance = '' } = series;
    this.runUntil(untilHours, everyMs, (t) => this.series.observe(hostId, service, metric, instance, sample(t), t));
    return this;
  }

  /** Hours after the start at which the first prediction of `kind` (and rule) was raised or closed. */
  firstHours(kind: PredictionEventName, rule?: string): number | undefined {
    const e = this.eventsOf(kind, rule)[0];
    return e ? this.hoursOf(Date.parse(e.time)) : undefined;
  }

  /** Events of one kind (and rule), in order. */
  eventsOf(kind: PredictionEventName, rule?: string): CloudEvent<PredictionEventData>[] {
    return this.events.map((e) => e.event).filter((e) => e.data.event === kind && (rule === undefined || e.data.prediction.rule === rule));
  }
}
