import type { SshTarget } from '../diagnosis/ssh-target.js';
import type { HostRecord } from '../registry/types.js';
import type { PredictionView } from '../predictions/views.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/**
 * A host's SSH setting as the diagnosis uses it: the port its SSH step probes (null: none,
 * the step is skipped), which setting named it, and what the agent itself declared, so an
 * operator sees why a host is probed on 22 (or not at all) without reading the agent's
 * config.
 */
export function sshView(h: Pick<HostRecord, 'sshPort'>, target: SshTarget) {
  return {
    port: target.port,
    from: target.from,
    agentSetting: h.sshPort ?? null,
    problem: target.problem ?? null,
  };
}

/** A host as the API shows it in lists. */
export function hostSummaryView(h: HostRecord, connected: boolean, ssh: SshTarget) {
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
    ssh: sshView(h, ssh),
    services: h.services.map((s) => ({ name: s.name, manager: s.manager, recoveryEnabled: s.recoveryEnabled, ports: s.ports ?? [] })),
  };
}

export { iso };

/** Incidents and predictions as the fleet summary lists them. */
export interface FleetSummaryInputs {
  incidents: readonly { id: string; class: string; service: string; level: number; state: string }[];
  predictions: readonly PredictionView[];
}

/**
 * What `GET /v1/hosts` adds per host for a fleet view in one request: each declared
 * service with its state and checks from the latest heartbeat (a service the agent
 * reports but did not declare is listed too), the open incidents and the active
 * predictions.
 */
export function hostFleetSummaryView(h: HostRecord, inputs: FleetSummaryInputs) {
  const status = new Map(h.serviceStatus.map((s) => [s.name, s]));
  const names = [...new Set([...h.services.map((s) => s.name), ...status.keys()])];
  const declared = new Map(h.services.map((s) => [s.name, s]));
  return {
    services: names.map((name) => {
      const st = status.get(name);
      return {
        name,
        manager: st?.manager || declared.get(name)?.manager || '',
        state: st?.state ?? ('unknown' as const),
        recovering: st?.recovering ?? false,
        exhausted: st?.exhausted ?? false,
        budgetUsed: st?.budgetUsed ?? 0,
        budgetMax: st?.budgetMax ?? 0,
        since: st && st.sinceMs > 0 ? new Date(st.sinceMs).toISOString() : null,
        checks: (st?.checks ?? []).map((c) => ({ name: c.name, type: c.type, status: c.status, consecutiveFailures: c.consecutiveFailures, responseMs: c.responseMs, detail: c.detail })),
      };
    }),
    openIncidents: inputs.incidents.map((i) => ({ id: i.id, class: i.class, service: i.service || null, level: i.level, state: i.state })),
    predictions: inputs.predictions.map((p) => ({
      id: p.id,
      rule: p.rule,
      service: p.service,
      metric: p.metric,
      instance: p.instance,
      state: p.state,
      summary: p.summary,
      predictedFailureAt: p.predictedFailureAt,
      confidence: p.confidence,
    })),
  };
}
