import type { SshTarget } from '../diagnosis/ssh-target.js';
import type { HostRecord } from '../registry/types.js';

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
