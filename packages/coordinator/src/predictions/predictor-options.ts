import type { Clock, CloudEvent, Logger } from '@vigil/shared';
import type { Db } from '../store/db.js';
import type { CompiledRule, RuleOverrides } from './rules/index.js';
import type { SeriesStore } from './series-store.js';

/** Where events go: the coordinator's outbox (called inside the prediction's transaction). */
export interface PredictionSink {
  enqueue(subject: string, event: CloudEvent): void;
  kick(): void;
}

export interface PredictorOptions {
  /** How often the rules run, in ms; each rule runs at most every `everyMs` of its own. @default 60_000 */
  tickMs: number;
  /** A round yields to the event loop after this much work, in ms. @default 10 */
  sliceMs: number;
  /** Closed buckets written to SQLite per transaction; more wait for the next turn of the loop. @default 2000 */
  flushBatchRows: number;
  /** Consecutive firing evaluations before a prediction is raised. @default 3 */
  raiseAfter: number;
  /** A firing evaluation at least this confident raises at once, without waiting for `raiseAfter`. @default 0.9 */
  raiseConfidence: number;
  /** Consecutive "trend reversed" evaluations before an active prediction expires. @default 5 */
  expireAfter: number;
  /**
   * A series with no data this long is not evaluated: its window still looks like a trend,
   * but nothing new is known, so nothing is raised or updated from it. @default 5 min
   */
  quietMs: number;
  /**
   * An active prediction whose series has had no data this long expires ("stopped
   * reporting"). Longer than it takes an incident to open on a host that went down, so a
   * prediction that came true is linked before it can expire. @default 30 min
   */
  staleMs: number;
  /** At most one `updated` event per prediction in this interval, in ms. @default 10 min */
  minUpdateIntervalMs: number;
  /** An `updated` event needs the predicted time to move by this share of the time left (or of the rule's horizon, if longer). @default 0.25 */
  updateShiftRatio: number;
  /** ... or the confidence to move by this much. @default 0.2 */
  updateConfidenceDelta: number;
  /** Closed predictions are kept this long, in ms. @default 7 days */
  keepClosedMs: number;
  /** CloudEvents `source`. @default "vigil-coordinator" */
  source: string;
  /** Per rule: setting overrides, or false to turn it off. @default {} */
  rules: RuleOverrides;
  /** Write closed series buckets to SQLite and load them on start. @default true */
  persistSeries: boolean;
}

export const DEFAULT_PREDICTOR_OPTIONS: Readonly<PredictorOptions> = Object.freeze({
  tickMs: 60_000,
  sliceMs: 10,
  flushBatchRows: 2000,
  raiseAfter: 3,
  raiseConfidence: 0.9,
  expireAfter: 5,
  quietMs: 5 * 60_000,
  staleMs: 30 * 60_000,
  minUpdateIntervalMs: 10 * 60_000,
  updateShiftRatio: 0.25,
  updateConfidenceDelta: 0.2,
  keepClosedMs: 7 * 86_400_000,
  source: 'vigil-coordinator',
  rules: {},
  persistSeries: true,
});

export interface PredictorDeps {
  clock: Clock;
  /** The coordinator's database (store/migrations.ts, version 6 holds the predictions tables). */
  db: Db;
  series: SeriesStore;
  sink: PredictionSink;
  log?: Logger;
  /** The rules to run; compiled from `options.rules` when not given. */
  rules?: readonly CompiledRule[];
  /** The API base for links in events, read when an event is made (the port may be bound late). */
  apiBase?: () => string;
  /** Told when the store refuses a write (disk full), so it counts towards the degraded state. */
  storeRefused?: (err: Error, what: string) => void;
}

/** Per rule: how often it ran, how often it threw, and how long it took. */
export interface RuleStats {
  evaluations: number;
  failures: number;
  totalMs: number;
}
