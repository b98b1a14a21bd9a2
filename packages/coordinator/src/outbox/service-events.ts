import { hostToken, makeCloudEvent, SUBJECT_ROOT, type CloudEvent } from '@vigil/shared';
import type { StoredAgentEvent } from '../store/agent-event-store.js';

export interface ServiceEventData {
  hostId: string;
  service: string;
  type: string;
  step: string;
  detail: string;
  cause: string;
  requestId: string;
  /** The agent journal's epoch and sequence number: the event's identity on its host. */
  epoch: string;
  eventSeq: number;
  at: string;
  receivedAt: string;
  timeToServingMs?: number;
  timeToVerifiedMs?: number;
  url: string;
}

/** A NATS token from agent-chosen text: wildcards, separators and spaces become `_`. */
export function subjectToken(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

/**
 * The CloudEvent for a service event an agent reported (a recovery step, a status change),
 * on `vigil.v1.service.<type>.<host>`. Its id is new for each stored event, not derived from
 * the host, epoch and sequence number: a host removed and back replays its journal into a
 * fresh store, and an id the outbox still holds would refuse the agent event with it. The
 * agent's identity of the event is in the data (`epoch`, `eventSeq`).
 */
export function serviceEvent(e: StoredAgentEvent, source: string, apiBase: string): { subject: string; event: CloudEvent<ServiceEventData> } {
  const subject = `${SUBJECT_ROOT}.service.${subjectToken(e.type)}.${hostToken(e.hostId)}`;
  const event = makeCloudEvent<ServiceEventData>({
    source,
    type: `vigil.v1.service.${e.type}`,
    subject: e.hostId,
    time: new Date(e.atMs),
    data: {
      hostId: e.hostId,
      service: e.service,
      type: e.type,
      step: e.step,
      detail: e.detail,
      cause: e.cause,
      requestId: e.requestId,
      epoch: e.epoch,
      eventSeq: e.eventSeq,
      at: new Date(e.atMs).toISOString(),
      receivedAt: new Date(e.receivedAt).toISOString(),
      ...(e.timeToServingMs !== undefined ? { timeToServingMs: e.timeToServingMs } : {}),
      ...(e.timeToVerifiedMs !== undefined ? { timeToVerifiedMs: e.timeToVerifiedMs } : {}),
      url: `${apiBase}/v1/hosts/${encodeURIComponent(e.hostId)}`,
    },
  });
  return { subject, event };
}
