import type { Db } from '../store/db.js';
import type { Evidence, MetricName, Prediction, PredictionState, Trend } from './types.js';

interface Row {
  id: string;
  rule: string;
  host_id: string;
  service: string;
  metric: string;
  instance: string;
  state: string;
  raised_at: number;
  updated_at: number;
  expired_at: number | null;
  expiry_reason: string | null;
  came_true_at: number | null;
  incident_id: string | null;
  predicted_failure_at: number | null;
  confidence: number;
  detail: string;
}

/** The parts of a prediction that have no column of their own. */
interface Detail {
  trend: Trend;
  evidence: Evidence;
  horizonMs: number;
  prediction: string;
  preventiveAction: string;
  summary: string;
  details: Record<string, number>;
}

export interface PredictionFilter {
  hostId?: string;
  rule?: string;
  state?: PredictionState;
  /** Newest first; at most this many. @default 200 */
  limit?: number;
}

/** Predictions in SQLite: active ones are reloaded on start, closed ones kept for a while. */
export class PredictionStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      upsert: db.prepare(`
        INSERT INTO predictions (id, rule, host_id, service, metric, instance, state, raised_at, updated_at, expired_at, expiry_reason,
          came_true_at, incident_id, predicted_failure_at, confidence, detail)
        VALUES (@id, @rule, @host_id, @service, @metric, @instance, @state, @raised_at, @updated_at, @expired_at, @expiry_reason,
          @came_true_at, @incident_id, @predicted_failure_at, @confidence, @detail)
        ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, expired_at = excluded.expired_at,
          expiry_reason = excluded.expiry_reason, came_true_at = excluded.came_true_at, incident_id = excluded.incident_id,
          predicted_failure_at = excluded.predicted_failure_at, confidence = excluded.confidence, detail = excluded.detail`),
      active: db.prepare("SELECT * FROM predictions WHERE state = 'active'"),
      get: db.prepare('SELECT * FROM predictions WHERE id = ?'),
      prune: db.prepare("DELETE FROM predictions WHERE state != 'active' AND updated_at < ?"),
    };
  }

  /** Runs `fn` in one transaction, so a prediction and its event are stored together. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  save(p: Prediction): void {
    this.stmts.upsert.run(toRow(p));
  }

  loadActive(): Prediction[] {
    return (this.stmts.active.all() as Row[]).map(fromRow);
  }

  get(id: string): Prediction | undefined {
    const row = this.stmts.get.get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  list(f: PredictionFilter = {}): Prediction[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.hostId !== undefined) (where.push('host_id = ?'), args.push(f.hostId));
    if (f.rule !== undefined) (where.push('rule = ?'), args.push(f.rule));
    if (f.state !== undefined) (where.push('state = ?'), args.push(f.state));
    const sql = `SELECT * FROM predictions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_at DESC, id LIMIT ?`;
    return (this.db.prepare(sql).all(...args, f.limit ?? 200) as Row[]).map(fromRow);
  }

  /** Deletes closed predictions last touched before `before`; returns how many. */
  prune(before: number): number {
    return this.stmts.prune.run(before).changes;
  }
}

function toRow(p: Prediction): Row {
  const detail: Detail = {
    trend: p.trend,
    evidence: p.evidence,
    horizonMs: p.horizonMs,
    prediction: p.prediction,
    preventiveAction: p.preventiveAction,
    summary: p.summary,
    details: p.details,
  };
  return {
    id: p.id,
    rule: p.rule,
    host_id: p.hostId,
    service: p.service,
    metric: p.metric,
    instance: p.instance,
    state: p.state,
    raised_at: p.raisedAt,
    updated_at: p.updatedAt,
    expired_at: p.expiredAt,
    expiry_reason: p.expiryReason,
    came_true_at: p.cameTrueAt,
    incident_id: p.incidentId,
    predicted_failure_at: p.predictedFailureAt,
    confidence: p.confidence,
    detail: JSON.stringify(detail),
  };
}

function fromRow(r: Row): Prediction {
  const d = JSON.parse(r.detail) as Detail;
  return {
    id: r.id,
    rule: r.rule,
    hostId: r.host_id,
    service: r.service,
    metric: r.metric as MetricName,
    instance: r.instance,
    state: r.state as PredictionState,
    raisedAt: r.raised_at,
    updatedAt: r.updated_at,
    expiredAt: r.expired_at,
    expiryReason: r.expiry_reason,
    cameTrueAt: r.came_true_at,
    incidentId: r.incident_id,
    predictedFailureAt: r.predicted_failure_at,
    confidence: r.confidence,
    ...d,
  };
}
