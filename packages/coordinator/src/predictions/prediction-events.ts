import { hostToken, makeCloudEvent, SUBJECT_ROOT, type CloudEvent } from '@vigil/shared';
import type { Prediction } from './types.js';
import { predictionView, type PredictionView } from './views.js';

/**
 * - `raised`: a rule fired on enough consecutive evaluations;
 * - `updated`: the predicted failure time or the confidence moved noticeably;
 * - `expired`: the trend reversed, or the series stopped reporting (the reason says which);
 * - `came_true`: an incident opened on the host or service while it was active.
 */
export type PredictionEventName = 'raised' | 'updated' | 'expired' | 'came_true';

export interface PredictionEventData {
  event: PredictionEventName;
  reason: string;
  url: string;
  prediction: PredictionView;
}

/** `vigil.v1.prediction.disk_exhaustion.>` reaches whoever cleans disks; `vigil.v1.prediction.*.web-1_example_com` one host. */
export function predictionSubject(rule: string, hostId: string): string {
  return `${SUBJECT_ROOT}.prediction.${rule}.${hostToken(hostId)}`;
}

export function predictionEvent(
  p: Prediction,
  event: PredictionEventName,
  opts: { source: string; apiBase: string; at: number; reason: string },
): CloudEvent<PredictionEventData> {
  return makeCloudEvent<PredictionEventData>({
    source: opts.source,
    type: `${SUBJECT_ROOT}.prediction.${event}`,
    subject: p.id,
    time: new Date(opts.at),
    data: {
      event,
      reason: opts.reason,
      url: `${opts.apiBase}/v1/predictions?host=${encodeURIComponent(p.hostId)}`,
      prediction: predictionView(p),
    },
  });
}
