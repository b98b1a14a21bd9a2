import { randomUUID } from 'node:crypto';
import type { Clock, CloudEvent, Logger, TimerHandle } from '@vigil/shared';
import type { Db } from '../store/db.js';
import { HeartbeatFeed, type HeartbeatSample } from './heartbeat-feed.js';
import { predictionEvent, predictionSubject, type PredictionEventName } from './prediction-events.js';
import { PredictionStore, type PredictionFilter } from './prediction-store.js';
import { compileRules, type CompiledRule, type RuleOverrides, type Verdict } from './rules/index.js';
import { SeriesPersistence } from './series-persistence.js';
import { seriesId, type SeriesRing, type SeriesStore } from './series-store.js';
import type { MetricName, Prediction, SeriesKey } from './types.js';
import { predictionView, type HostPredictionsView } from './views.js';

/** Where events go: the coordinator's outbox (called inside the prediction's transaction). */
export interface PredictionSink {
  enqueue(subject: string, event: CloudEvent): void;
  kick(): void;
}

export interface PredictorOptions {
  /** How often the rules run, in ms; each rule runs at most every `everyMs` of its own. @default 60_000 */
  tickMs: number;
  /** Consecutive firing evaluations before a prediction is raised. @default 3 */
  raiseAfter: number;
  /** A firing evaluation at least this confident raises at once, without waiting for `raiseAfter`. @default 0.9 */
  raiseConfidence: number;
  /** Consecutive "trend reversed" evaluations before an active prediction expires. @default 5 */
  expireAfter: number;
  /**
   * An active prediction whose series has had no data this long expires ("stopped
   * reporting"). Longer than it takes an incident to open on a host that went down, so a
   * prediction that came true is linked before it can expire. @default 30 min
   */
  staleMs: number;
  /** At most one `updated` event per prediction in this interval, in ms. @default 10 min */
  minUpdateIntervalMs: number;
  /** An `updated` event needs the predicted time to move by this share of the time left. @default 0.25 */
  updateShiftRatio: number;
  /** ... or the confidence to move by this much. @default 0.1 */
  updateConfidenceDelta: number;
  /** Closed predictions are kept this long, in ms. @default 7 days */
  keepClosedMs: number;
  /** CloudEvents `source`. @default "vigil-coordinator" */
  source: string;
  /** Base of the links in events. @default "" */
  apiBase: string;
  /** Per rule: setting overrides, or false to turn it off. @default {} */
  rules: RuleOverrides;
  /** Write closed series buckets to SQLite and load them on start. @default true */
  persistSeries: boolean;
}

export const DEFAULT_PREDICTOR_OPTIONS: Readonly<PredictorOptions> = Object.freeze({
  tickMs: 60_000,
  raiseAfter: 3,
  raiseConfidence: 0.9,
  expireAfter: 5,
  staleMs: 30 * 60_000,
  minUpdateIntervalMs: 10 * 60_000,
  updateShiftRatio: 0.25,
  updateConfidenceDelta: 0.1,
  keepClosedMs: 7 * 86_400_000,
  source: 'vigil-coordinator',
  apiBase: '',
  rules: {},
  persistSeries: true,
});

export interface PredictorDeps {
  clock: Clock;
  /** The coordinator's database, with PREDICTIONS_MIGRATION_SQL applied. */
  db: Db;
  series: SeriesStore;
  sink: PredictionSink;
  log?: Logger;
}

/** Per rule: how often it ran, how often it threw, and how long it took. */
export interface RuleStats {
  evaluations: number;
  failures: number;
  totalMs: number;
}

/** Hysteresis counters of one rule on one series. */
interface EvalState {
  fires: number;
  clears: number;
  nextEvalAt: number;
}

interface Emitted {
  at: number;
  predictedFailureAt: number | null;
  confidence: number;
}

/** A verdict with a fitted trend. */
type Judged = Exclude<Verdict, { status: 'insufficient' }>;

const HOUSEKEEPING_MS = 10 * 60_000;

/**
 * Runs the prediction rules over the series every tick and keeps predictions with
 * hysteresis: raised after `raiseAfter` consecutive firing evaluations (or one very
 * confident one), kept while the trend has not clearly reversed, expired with a recorded
 * reason after `expireAfter` consecutive reversed evaluations or when the series goes quiet.
 * A start/stop object on an injected clock; every change is stored with its event in one
 * transaction.
 */
export class Predictor {
  readonly opts: Readonly<PredictorOptions>;
  readonly rules: readonly CompiledRule[];
  readonly store: PredictionStore;
  private readonly byMetric = new Map<MetricName, CompiledRule[]>();
  private readonly feed: HeartbeatFeed;
  private readonly persistence: SeriesPersistence | undefined;
  private readonly states = new Map<string, EvalState>();
  /** Active predictions by rule + series id. */
  private readonly active = new Map<string, Prediction>();
  private readonly activeKeyById = new Map<string, string>();
  private readonly emitted = new Map<string, Emitted>();
  private readonly ruleStats = new Map<string, RuleStats>();
  private timer: TimerHandle | undefined;
  private running = false;
  private lastHousekeeping = 0;

  constructor(
    private readonly deps: PredictorDeps,
    options: Partial<PredictorOptions> = {},
  ) {
    this.opts = Object.freeze({ ...DEFAULT_PREDICTOR_OPTIONS, ...options });
    this.rules = compileRules(this.opts.rules);
    for (const r of this.rules) {
      if (r.lookbackMs > deps.series.opts.retentionMs) {
        throw new RangeError(`rule ${r.name} looks back ${r.lookbackMs} ms, more than the series retention (${deps.series.opts.retentionMs} ms)`);
      }
      const list = this.byMetric.get(r.metric) ?? [];
      list.push(r);
      this.byMetric.set(r.metric, list);
      this.ruleStats.set(r.name, { evaluations: 0, failures: 0, totalMs: 0 });
    }
    this.store = new PredictionStore(deps.db);
    this.feed = new HeartbeatFeed(deps.series);
    this.persistence = this.opts.persistSeries ? new SeriesPersistence(deps.db, deps.series) : undefined;
    const now = deps.clock.now();
    this.persistence?.load(now);
    for (const p of this.store.loadActive()) {
      const key = activeKey(p.rule, p);
      this.active.set(key, p);
      this.activeKeyById.set(p.id, key);
      this.emitted.set(p.id, { at: p.updatedAt, predictedFailureAt: p.predictedFailureAt, confidence: p.confidence });
    }
    this.lastHousekeeping = now;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops the timer and writes the closed buckets not yet written. */
  stop(): void {
    this.running = false;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.persistence?.flush(this.deps.clock.now());
  }

  private schedule(): void {
    this.timer = this.deps.clock.setTimeout(() => {
      if (!this.running) return;
      try {
        this.tick();
      } catch (err) {
        this.deps.log?.error({ err }, 'prediction tick failed');
      }
      this.schedule();
    }, this.opts.tickMs);
  }

  /** Feeds one heartbeat's resources and service states into the series. */
  observeHeartbeat(hostId: string, atMs: number, sample: HeartbeatSample): void {
    this.feed.observe(hostId, atMs, sample);
  }

  /** Runs the due rules on every series now; the timer calls this each `tickMs`. */
  tick(): void {
    const now = this.deps.clock.now();
    const bucketMs = this.deps.series.opts.bucketMs;
    // Only closed buckets are evidence: the open one holds a partial minute.
    const to = Math.floor(now / bucketMs) * bucketMs;
    for (const ring of this.deps.series.series()) {
      const rules = this.byMetric.get(ring.key.metric);
      if (!rules) continue;
      for (const rule of rules) this.evaluate(rule, ring, now, to, bucketMs);
    }
    this.expireStale(now);
    this.persistence?.flush(now);
    if (now - this.lastHousekeeping >= HOUSEKEEPING_MS) this.housekeeping(now);
  }

  private evaluate(rule: CompiledRule, ring: SeriesRing, now: number, to: number, bucketMs: number): void {
    const key = `${rule.name}\u0001${ring.id}`;
    let st = this.states.get(key);
    if (!st) this.states.set(key, (st = { fires: 0, clears: 0, nextEvalAt: 0 }));
    // Half a tick of tolerance: a timer that fires a little late must not skip a round.
    if (now + this.opts.tickMs / 2 < st.nextEvalAt) return;
    st.nextEvalAt = now + rule.everyMs;
    const stats = this.ruleStats.get(rule.name)!;
    const started = performance.now();
    let verdict: Verdict;
    try {
      verdict = rule.evaluate({ series: ring.key, buckets: this.deps.series.window(ring.id, to - rule.lookbackMs, to), from: to - rule.lookbackMs, to, bucketMs });
    } catch (err) {
      // One failing rule must not stop the others.
      stats.failures++;
      this.deps.log?.warn({ err, rule: rule.name, series: ring.key }, 'prediction rule failed');
      return;
    } finally {
      stats.evaluations++;
      stats.totalMs += performance.now() - started;
    }
    this.apply(rule, ring, key, st, verdict, now);
  }

  private apply(rule: CompiledRule, ring: SeriesRing, key: string, st: EvalState, v: Verdict, now: number): void {
    const p = this.active.get(key);
    switch (v.status) {
      case 'insufficient':
        st.fires = 0;
        return;
      case 'fire':
        st.clears = 0;
        if (p) return this.refresh(p, v, now);
        st.fires++;
        if (st.fires >= this.opts.raiseAfter || v.confidence >= this.opts.raiseConfidence) this.raise(rule, ring, key, v, now);
        return;
      case 'hold':
        st.fires = 0;
        st.clears = 0;
        if (p) this.refresh(p, v, now);
        return;
      case 'clear':
        st.fires = 0;
        if (!p) return;
        st.clears++;
        if (st.clears >= this.opts.expireAfter) {
          st.clears = 0;
          this.close(key, p, 'expired', v.reason, now);
        } else {
          // Show the weakening trend, but keep the prediction's time until it expires.
          Object.assign(p, { trend: v.trend, evidence: v.evidence, confidence: v.confidence, details: v.details, updatedAt: now });
          this.store.save(p);
        }
        return;
      default: {
        const never: never = v;
        throw new Error(`unknown verdict ${String(never)}`);
      }
    }
  }

  private raise(rule: CompiledRule, ring: SeriesRing, key: string, v: Judged, now: number): void {
    const p: Prediction = {
      id: randomUUID(),
      rule: rule.name,
      hostId: ring.key.hostId,
      service: ring.key.service,
      metric: ring.key.metric,
      instance: ring.key.instance,
      state: 'active',
      raisedAt: now,
      updatedAt: now,
      expiredAt: null,
      expiryReason: null,
      cameTrueAt: null,
      incidentId: null,
      trend: v.trend,
      evidence: v.evidence,
      predictedFailureAt: v.predictedFailureAt,
      horizonMs: rule.horizonMs,
      confidence: v.confidence,
      prediction: rule.prediction,
      preventiveAction: rule.preventiveAction,
      summary: v.summary,
      details: v.details,
    };
    this.commit(p, 'raised', v.reason, now);
    this.active.set(key, p);
    this.activeKeyById.set(p.id, key);
    this.emitted.set(p.id, { at: now, predictedFailureAt: p.predictedFailureAt, confidence: p.confidence });
    this.deps.log?.info({ prediction: p.id, rule: p.rule, host: p.hostId, service: p.service, instance: p.instance }, p.summary);
  }

  private refresh(p: Prediction, v: Judged, now: number): void {
    Object.assign(p, {
      trend: v.trend,
      evidence: v.evidence,
      predictedFailureAt: v.predictedFailureAt,
      confidence: v.confidence,
      summary: v.summary,
      details: v.details,
      updatedAt: now,
    });
    const last = this.emitted.get(p.id);
    if (last && now - last.at >= this.opts.minUpdateIntervalMs && this.movedEnough(last, p, now)) {
      this.commit(p, 'updated', v.reason, now);
      this.emitted.set(p.id, { at: now, predictedFailureAt: p.predictedFailureAt, confidence: p.confidence });
    } else {
      this.store.save(p);
    }
  }

  private movedEnough(last: Emitted, p: Prediction, now: number): boolean {
    if (Math.abs(p.confidence - last.confidence) >= this.opts.updateConfidenceDelta) return true;
    if ((last.predictedFailureAt === null) !== (p.predictedFailureAt === null)) return true;
    if (last.predictedFailureAt === null || p.predictedFailureAt === null) return false;
    // Relative to the time that was left: 2 h off matters for a 4 h forecast, not a 3-day one.
    const left = Math.max(last.predictedFailureAt - now, 15 * 60_000);
    return Math.abs(p.predictedFailureAt - last.predictedFailureAt) > this.opts.updateShiftRatio * left;
  }

  private close(key: string, p: Prediction, state: 'expired' | 'came_true', reason: string, now: number, incidentId?: string): void {
    p.state = state;
    p.updatedAt = now;
    if (state === 'expired') {
      p.expiredAt = now;
      p.expiryReason = reason;
    } else {
      p.cameTrueAt = now;
      p.incidentId = incidentId ?? null;
    }
    this.commit(p, state, reason, now);
    this.active.delete(key);
    this.activeKeyById.delete(p.id);
    this.emitted.delete(p.id);
    this.deps.log?.info({ prediction: p.id, rule: p.rule, host: p.hostId, state }, reason);
  }

  /** Stores the prediction and its event together, then wakes the publisher. */
  private commit(p: Prediction, event: PredictionEventName, reason: string, now: number): void {
    const ev = predictionEvent(p, event, { source: this.opts.source, apiBase: this.opts.apiBase, at: now, reason });
    this.store.tx(() => {
      this.store.save(p);
      this.deps.sink.enqueue(predictionSubject(p.rule, p.hostId), ev);
    });
    this.deps.sink.kick();
  }

  private expireStale(now: number): void {
    const bucketMs = this.deps.series.opts.bucketMs;
    for (const [key, p] of this.active) {
      const last = this.deps.series.lastAt(seriesIdOf(key));
      const quietFor = last === undefined ? Infinity : now - (last + bucketMs);
      if (quietFor > this.opts.staleMs) {
        const since = last === undefined ? 'no data since the coordinator started' : `no data for ${Math.round(quietFor / 60_000)} min`;
        this.close(key, p, 'expired', `series stopped reporting (${since})`, now);
      }
    }
  }

  private housekeeping(now: number): void {
    this.lastHousekeeping = now;
    this.deps.series.sweep(now);
    for (const key of this.states.keys()) {
      if (!this.deps.series.get(seriesIdOf(key))) this.states.delete(key);
    }
    this.store.prune(now - this.opts.keepClosedMs);
  }

  /**
   * Records that an incident opened while a prediction was active: the prediction came
   * true. Returns it, or undefined when it is not (or no longer) active.
   */
  markCameTrue(predictionId: string, incidentId: string): Prediction | undefined {
    const key = this.activeKeyById.get(predictionId);
    const p = key ? this.active.get(key) : undefined;
    if (!key || !p) return undefined;
    this.close(key, p, 'came_true', `came true: incident ${incidentId} opened`, this.deps.clock.now(), incidentId);
    return { ...p };
  }

  /**
   * Active predictions of a host. With a service: that service's and the host-wide ones
   * (memory, disks), which can explain a service failure too.
   */
  activeFor(hostId: string, service?: string): Prediction[] {
    const out: Prediction[] = [];
    for (const p of this.active.values()) {
      if (p.hostId !== hostId) continue;
      if (service !== undefined && p.service !== service && p.service !== '') continue;
      out.push({ ...p });
    }
    return out.sort((a, b) => a.raisedAt - b.raisedAt);
  }

  /** Stored predictions (active and closed), newest first. */
  list(filter: PredictionFilter = {}): Prediction[] {
    return this.store.list(filter);
  }

  get(id: string): Prediction | undefined {
    return this.store.get(id);
  }

  /** What GET /v1/hosts/:id shows under `predictions`. */
  hostView(hostId: string, recentMs = 86_400_000): HostPredictionsView {
    const since = this.deps.clock.now() - recentMs;
    return {
      active: this.activeFor(hostId).map(predictionView),
      recent: this.store
        .list({ hostId, limit: 50 })
        .filter((p) => p.state !== 'active' && p.updatedAt >= since)
        .map(predictionView),
    };
  }

  /** A host left the fleet: forget its series and expire its predictions. */
  forgetHost(hostId: string): void {
    const now = this.deps.clock.now();
    for (const [key, p] of this.active) if (p.hostId === hostId) this.close(key, p, 'expired', 'host removed from the fleet', now);
    this.deps.series.forgetHost(hostId);
    this.feed.forgetHost(hostId);
    this.persistence?.forgetHost(hostId);
  }

  stats(): Record<string, RuleStats> {
    return Object.fromEntries([...this.ruleStats].map(([k, v]) => [k, { ...v }]));
  }
}

function activeKey(rule: string, k: SeriesKey): string {
  return `${rule}\u0001${seriesId(k)}`;
}

function seriesIdOf(key: string): string {
  return key.slice(key.indexOf('\u0001') + 1);
}
