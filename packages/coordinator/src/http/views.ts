import type { HostRecord } from '../registry/types.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** A host as the API shows it in lists. */
export function hostSummaryView(h: HostRecord, connected: boolean) {
  return {
    id: h.id,
    state: h.state,
    stateSince: new Date(h.stateSince).toISOString(),
    lastSeen: iso(h.lastSeen),
    connected,
    hostname: h.hostname,
    agentVersion: h.agentVersion,
    intervalMs: h.intervalMs,
    labels: h.labels,
    services: h.services,
  };
}

export { iso };
