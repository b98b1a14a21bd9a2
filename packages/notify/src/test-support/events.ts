import { makeCloudEvent, type CloudEvent } from '@vigil/shared';
import type { IncidentData, NotifyEvent, NotifyKind } from '../event.js';

/** An incident event shaped as the coordinator publishes it (incident-events.ts). */
export function incidentData(over: Partial<IncidentData> = {}): IncidentData {
  const hostId = over.hostId ?? 'web-1';
  return {
    incidentId: 'inc-1',
    event: 'escalated',
    summary: 'nginx.service failed',
    class: 'service_failure',
    confidence: 0.9,
    level: 2,
    state: 'open',
    hostId,
    subject: { kind: 'service', hostId, service: 'nginx' },
    service: 'nginx',
    rootCause: { cause: 'configuration_error', diagnosis: 'nginx: unknown directive "server_nam"', fix: 'Fix /etc/nginx/nginx.conf and run nginx -t', excerpt: '' },
    openedAt: '2026-12-03T08:00:00.000Z',
    silenced: false,
    parentId: null,
    flapping: false,
    reason: 'unresolved for 180 s at level 1',
    url: 'http://127.0.0.1:7401/v1/incidents/inc-1',
    ...over,
  } as IncidentData;
}

const TYPE: Record<NotifyKind, (level: number) => string> = {
  trigger: (l) => `vigil.v1.escalation.l${l}`,
  acknowledge: () => 'vigil.v1.incident.acknowledged',
  resolve: () => 'vigil.v1.incident.resolved',
};

export function notifyEvent(kind: NotifyKind, over: Partial<IncidentData> = {}, labels: Record<string, string> = {}): NotifyEvent {
  const data = incidentData({ event: kind === 'trigger' ? 'escalated' : kind === 'acknowledge' ? 'acknowledged' : 'resolved', ...over });
  const cloudEvent = makeCloudEvent({ source: 'vigil-coordinator/test', type: TYPE[kind](data.level), subject: data.incidentId, data, time: new Date() }) as CloudEvent<IncidentData>;
  return { kind, cloudEvent, incident: data, labels };
}
