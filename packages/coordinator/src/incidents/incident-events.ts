import { hostToken, makeCloudEvent, SUBJECT_ROOT, type CloudEvent } from '@vigil/shared';
import type { Incident } from './types.js';

export type IncidentEventName = 'opened' | 'escalated' | 'acknowledged' | 'resolved' | 'root_cause' | 'updated';

/** What a pager needs to act without opening anything else. */
export interface IncidentEventData {
  incidentId: string;
  event: IncidentEventName;
  summary: string;
  class: string;
  confidence: number;
  level: number;
  state: string;
  hostId: string;
  /** What it is about: a host, a service, a zone or the coordinator itself. */
  subject: Incident['subject'];
  service: string | null;
  rootCause: Incident['rootCause'];
  openedAt: string;
  silenced: boolean;
  parentId: string | null;
  /** Its condition keeps coming and going (flap detection). */
  flapping: boolean;
  reason: string;
  url: string;
}

export function incidentSubject(event: IncidentEventName, hostId: string): string {
  return `${SUBJECT_ROOT}.incident.${event}.${hostToken(hostId)}`;
}

/** `vigil.v1.escalation.l3.>` pages; `vigil.v1.escalation.*.network_issue.>` reaches the network team. */
export function escalationSubject(level: number, cls: string, hostId: string): string {
  return `${SUBJECT_ROOT}.escalation.l${level}.${cls}.${hostToken(hostId)}`;
}

export function actionSubject(action: string, hostId: string): string {
  return `${SUBJECT_ROOT}.action.${action}.${hostToken(hostId)}`;
}

export function incidentEvent(
  i: Incident,
  event: IncidentEventName,
  opts: { source: string; apiBase: string; at: number; silenced: boolean; reason: string; type?: string },
): CloudEvent<IncidentEventData> {
  return makeCloudEvent<IncidentEventData>({
    source: opts.source,
    type: opts.type ?? `vigil.v1.incident.${event}`,
    subject: i.id,
    time: new Date(opts.at),
    data: {
      incidentId: i.id,
      event,
      summary: i.summary,
      class: i.class,
      confidence: i.confidence,
      level: i.level,
      state: i.state,
      hostId: i.hostId,
      subject: i.subject,
      service: i.service || null,
      rootCause: i.rootCause,
      openedAt: new Date(i.openedAt).toISOString(),
      silenced: opts.silenced,
      parentId: i.parentId,
      flapping: i.flapping,
      reason: opts.reason,
      url: `${opts.apiBase}/v1/incidents/${encodeURIComponent(i.id)}`,
    },
  });
}
