import type { Prediction } from './types.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** A prediction as the API and the events show it: ISO times, null for "none". */
export function predictionView(p: Prediction) {
  return {
    id: p.id,
    rule: p.rule,
    hostId: p.hostId,
    service: p.service || null,
    metric: p.metric,
    instance: p.instance || null,
    state: p.state,
    summary: p.summary,
    prediction: p.prediction,
    preventiveAction: p.preventiveAction,
    predictedFailureAt: iso(p.predictedFailureAt),
    horizonMs: p.horizonMs,
    confidence: p.confidence,
    trend: { ...p.trend, at: iso(p.trend.at)!, crossesAt: iso(p.trend.crossesAt) },
    evidence: { from: iso(p.evidence.from)!, to: iso(p.evidence.to)!, points: p.evidence.points, coverage: p.evidence.coverage },
    details: p.details,
    raisedAt: iso(p.raisedAt)!,
    updatedAt: iso(p.updatedAt)!,
    expiredAt: iso(p.expiredAt),
    expiryReason: p.expiryReason,
    cameTrueAt: iso(p.cameTrueAt),
    incidentId: p.incidentId,
  };
}

export type PredictionView = ReturnType<typeof predictionView>;

/** What GET /v1/hosts/:id adds under `predictions`. */
export interface HostPredictionsView {
  active: PredictionView[];
  /** Closed (expired or came true) in the last `recentMs`, newest first. */
  recent: PredictionView[];
}
