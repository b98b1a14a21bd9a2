import type { Prediction } from './types.js';

/** The part of the incident manager that records a prediction on an incident's timeline. */
export interface PredictionLinker {
  linkPrediction(incidentId: string, predictionId: string, summary: string): void;
}

/** The part of the predictor this needs. */
export interface PredictionSource {
  activeFor(hostId: string, service?: string): Prediction[];
  markCameTrue(predictionId: string, incidentId: string): Prediction | undefined;
}

/**
 * Call when an incident opens: every prediction active on its host (for a service
 * incident: that service's and the host-wide ones) came true, and the incident's timeline
 * links to each. Returns the predictions linked.
 */
export function linkPredictionsToIncident(
  predictor: PredictionSource,
  incidents: PredictionLinker,
  incident: { id: string; hostId: string; service: string },
): Prediction[] {
  const linked: Prediction[] = [];
  for (const p of predictor.activeFor(incident.hostId, incident.service || undefined)) {
    const done = predictor.markCameTrue(p.id, incident.id);
    if (!done) continue;
    const raisedAgo = Math.round((done.cameTrueAt! - done.raisedAt) / 60_000);
    incidents.linkPrediction(incident.id, done.id, `predicted ${raisedAgo} min before by ${done.rule}: ${done.summary}`);
    linked.push(done);
  }
  return linked;
}
