import { hostStateSubject, makeCloudEvent, type CloudEvent } from '@vigil/shared';
import type { HostRecord, Transition } from './types.js';

export interface HostStateEventData {
  hostId: string;
  state: string;
  previousState: string | null;
  reason: string;
  at: string;
  lastSeen: string | null;
  hostname: string;
  labels: Record<string, string>;
  url: string;
}

/** The CloudEvent published for one host state change, and the subject it goes to. */
export function hostStateEvent(t: Transition, host: HostRecord, source: string, apiBase: string): { subject: string; event: CloudEvent<HostStateEventData> } {
  const subject = hostStateSubject(t.to, t.hostId);
  const event = makeCloudEvent<HostStateEventData>({
    source,
    type: `vigil.v1.host.${t.to}`,
    subject: t.hostId,
    time: new Date(t.at),
    data: {
      hostId: t.hostId,
      state: t.to,
      previousState: t.from,
      reason: t.reason,
      at: new Date(t.at).toISOString(),
      lastSeen: host.lastSeen === null ? null : new Date(host.lastSeen).toISOString(),
      hostname: host.hostname,
      labels: host.labels,
      url: `${apiBase}/v1/hosts/${encodeURIComponent(t.hostId)}`,
    },
  });
  return { subject, event };
}

/**
 * The CloudEvent published when an operator removes a host (`DELETE /v1/hosts/{id}`), on
 * `vigil.v1.host.removed.<host>`: consumers that keep a host list drop it.
 */
export function hostRemovedEvent(host: HostRecord, at: number, by: string, source: string, apiBase: string): { subject: string; event: CloudEvent<HostStateEventData> } {
  const subject = hostStateSubject('removed', host.id);
  const event = makeCloudEvent<HostStateEventData>({
    source,
    type: 'vigil.v1.host.removed',
    subject: host.id,
    time: new Date(at),
    data: {
      hostId: host.id,
      state: 'removed',
      previousState: host.state,
      reason: `removed by ${by}`,
      at: new Date(at).toISOString(),
      lastSeen: host.lastSeen === null ? null : new Date(host.lastSeen).toISOString(),
      hostname: host.hostname,
      labels: host.labels,
      url: `${apiBase}/v1/hosts`,
    },
  });
  return { subject, event };
}
