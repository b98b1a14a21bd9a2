import { randomUUID } from 'node:crypto';
import type { TimerHandle } from '@vigil/shared';
import { HeartbeatFeed, type HeartbeatSample } from './heartbeat-feed.js';
import { predictionEvent, predictionSubject, type PredictionEventName } from './prediction-events.js';
import { PredictionStore, type PredictionFilter } from './prediction-store.js';
import { DEFAULT_PREDICTOR_OPTIONS, type PredictorDeps, type PredictorOptions, type RuleStats } from './predictor-options.js';
import { compileRules, type CompiledRule, type Verdict } from './rules/index.js';
import { SeriesPersistence } from './series-persistence.js';
import { isStoreCondition } from '../store/write-guard.js';
import { seriesId, type SeriesRing, type SeriesStore } from './series-store.js';
import type { MetricName, Prediction, SeriesKey } from './types.js';
import { predictionView, type HostPredictionsView } from './views.js';

/** Hysteresis counters of one rule on one series. */
interface EvalState {
  fires: number;
  clears: number;
  nextEvalAt: number;
  /** Since when an active prediction's verdicts have been `insufficient`. */
  thinSince: number | undefined;
}

interface Emitted {
  at: number;
  predictedFailureAt: number | null;
  confidence: number;
}

/** One evaluation round over all series. */
interface Round {
  now: number;
  to: number;
  bucketMs: number;
  quietBefore: number;
  rings: SeriesRing[];
  next: number;
}

/** A verdict with a fitted trend. */
type Judged = Exclude<Verdict, { status: 'insufficient' | 'quiet' }>;

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
    this.rules = deps.rules ?? compileRules(this.opts.rules);
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
    // A prediction of a rule that has since been turned off would never be judged again.
    const now = this.deps.clock.now();
    try {
      for (const [key, p] of this.active) {
        if (!this.rules.some((r) => r.name === p.rule)) this.close(key, p, 'expired', `rule ${p.rule} is turned off`, now);
      }
    } catch (err) {
      // A full disk at start: the next start closes them; predicting goes on meanwhile.
      this.failed(err, 'predictions', 'closing the predictions of turned-off rules failed');
    }
    this.schedule();
  }

  /** Stops the timer and writes the closed buckets not yet written. */
  stop(): void {
    this.running = false;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    try {
      this.persistence?.flush(this.deps.clock.now());
    } catch (err) {
      this.failed(err, 'series buckets', 'writing series at stop failed');
    }
  }

  private schedule(): void {
    this.timer = this.deps.clock.setTimeout(() => this.runTick(), this.opts.tickMs);
  }

  /**
   * One round on the timer, in slices of at most `sliceMs` of event-loop time: a thousand
   * hosts take about a second to evaluate, and heartbeats must not wait that long for an ack.
   */
  private runTick(): void {
    if (!this.running) return;
    const round = this.startRound();
    const next = (fn: () => void) => {
      this.timer = this.deps.clock.setTimeout(fn, 0);
    };
    const flush = () => {
      if (!this.running) return;
      try {
        // Written in batches too: 14,000 rows in one transaction block the loop ~100 ms.
        if (this.persistence && this.persistence.flush(round.now, this.opts.flushBatchRows) >= this.opts.flushBatchRows) return next(flush);
        this.afterFlush(round.now);
      } catch (err) {
        this.failed(err, 'series buckets', 'writing series failed');
      }
      this.schedule();
    };
    const evaluate = () => {
      if (!this.running) return;
      const started = performance.now();
      try {
        while (round.next < round.rings.length) {
          this.evaluateSeries(round.rings[round.next++]!, round);
          if (performance.now() - started >= this.opts.sliceMs && round.next < round.rings.length) return next(evaluate);
        }
        this.expireStale(round.now);
      } catch (err) {
        this.failed(err, 'predictions', 'prediction round failed');
      }
      flush();
    };
    evaluate();
  }

  /**
   * A refused write (disk full) is the store guard's to report, once per episode; the
   * next round writes again what is still unwritten. Anything else is a bug: logged.
   */
  private failed(err: unknown, what: string, message: string): void {
    if (isStoreCondition(err)) {
      this.deps.storeRefused?.(err, what);
      this.deps.log?.debug({ err: err.message }, message);
    } else {
      this.deps.log?.error({ err }, message);
    }
  }

  /** Feeds one heartbeat's resources and service states into the series. */
  observeHeartbeat(hostId: string, atMs: number, sample: HeartbeatSample): void {
    this.feed.observe(hostId, atMs, sample);
  }

  /** Runs the due rules on every series now, in one go (the timer does the same in slices). */
  tick(): void {
    const round = this.startRound();
    for (const ring of round.rings) this.evaluateSeries(ring, round);
    this.finishRound(round.now);
  }

  private startRound(): Round {
    const now = this.deps.clock.now();
    const bucketMs = this.deps.series.opts.bucketMs;
    return {
      now,
      // Only closed buckets are evidence: the open one holds a partial minute.
      to: Math.floor(now / bucketMs) * bucketMs,
      bucketMs,
      quietBefore: this.deps.series.bucketIndex(now - this.opts.quietMs),
      rings: [...this.deps.series.series()],
      next: 0,
    };
  }

  private evaluateSeries(ring: SeriesRing, r: Round): void {
    const rules = this.byMetric.get(ring.key.metric);
    // A series gone quiet (or forgotten since the round began) has nothing new to say.
    if (!rules || ring.newest < r.quietBefore || this.deps.series.get(ring.id) !== ring) return;
    for (const rule of rules) this.evaluate(rule, ring, r.now, r.to, r.bucketMs);
  }

  private finishRound(now: number): void {
    this.expireStale(now);
    this.persistence?.flush(now);
    this.afterFlush(now);
  }

  private afterFlush(now: number): void {
    if (now - this.lastHousekeeping >= HOUSEKEEPING_MS) this.housekeeping(now);
  }

  private evaluate(rule: CompiledRule, ring: SeriesRing, now: number, to: number, bucketMs: number): void {
    const key = `${rule.name}\u0001${ring.id}`;
    let st = this.states.get(key);
    if (!st) this.states.set(key, (st = { fires: 0, clears: 0, nextEvalAt: 0, thinSince: undefined }));
    // Half a tick of tolerance: a timer that fires a little late must not skip a round.
    if (now + this.opts.tickMs / 2 < st.nextEvalAt) return;
    st.nextEvalAt = now + rule.everyMs;
    const stats = this.ruleStats.get(rule.name)!;
    const started = performance.now();
    let verdict: Verdict;
    try {
      verdict = rule.evaluate({
        series: ring.key,
        buckets: this.deps.series.window(ring.id, to - rule.lookbackMs, to),
        from: to - rule.lookbackMs,
        to,
        bucketMs,
        active: this.active.has(key),
      });
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
    if (v.status !== 'insufficient') st.thinSince = undefined;
    switch (v.status) {
      case 'insufficient':
        st.fires = 0;
        // A series that reports too sparsely to judge cannot keep a prediction up forever.
        if (p) {
          st.thinSince ??= now;
          const thinFor = now - st.thinSince;
          if (thinFor >= this.opts.staleMs) {
            st.thinSince = undefined;
            this.close(key, p, 'expired', `too little data for ${Math.round(thinFor / 60_000)} min: ${v.reason}`, now);
          }
        }
        return;
      case 'quiet':
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
    // A time that is only the runbook's horizon ("within 2 hours") slides with the clock;
    // only a projected crossing is news when it moves.
    if (p.predictedFailureAt !== p.trend.crossesAt) return false;
    // Relative to the time that was left, and never less than a share of the rule's horizon:
    // 2 h off matters for a 4 h forecast, not for a 3-day one, and minutes of jitter near the
    // end are not news.
    const scale = Math.max(last.predictedFailureAt - now, p.horizonMs);
    return Math.abs(p.predictedFailureAt - last.predictedFailureAt) > this.opts.updateShiftRatio * scale;
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
    const ev = predictionEvent(p, event, { source: this.opts.source, apiBase: this.deps.apiBase?.() ?? '', at: now, reason });
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

  /** Active predictions counted by rule, every rule this predictor runs included, for /metrics. */
  activeByRule(): Record<string, number> {
    const out: Record<string, number> = Object.fromEntries(this.rules.map((r) => [r.name, 0]));
    for (const p of this.active.values()) out[p.rule] = (out[p.rule] ?? 0) + 1;
    return out;
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
