import type { HostRecord } from './types.js';

/**
 * Whether two records say the same about a host's agent: everything a Hello sets in the
 * host's row except when it was last seen. A Hello that changes none of it need not
 * rewrite the row: after a coordinator restart that is every Hello of the reconnecting
 * fleet, whose rows were just loaded, and each rewrite is a full row (labels, services and
 * the latest sample as JSON) in the middle of the storm. `lastSeen` follows with the
 * stream's first heartbeat, which is always stored (HeartbeatStorePacer.reset).
 */
export function sameAgentInfo(a: HostRecord, b: HostRecord): boolean {
  return (
    a.hostname === b.hostname &&
    a.agentVersion === b.agentVersion &&
    a.agentStartedAt === b.agentStartedAt &&
    a.intervalMs === b.intervalMs &&
    a.address === b.address &&
    a.sshPort === b.sshPort &&
    sameOs(a.os, b.os) &&
    sameStrings(a.capabilities, b.capabilities) &&
    sameLabels(a.labels, b.labels) &&
    sameServices(a.services, b.services)
  );
}

function sameOs(a: HostRecord['os'], b: HostRecord['os']): boolean {
  if (a === null || b === null) return a === b;
  return a.platform === b.platform && a.distro === b.distro && a.release === b.release && a.kernel === b.kernel && a.arch === b.arch;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same keys with the same values; order is not compared (the row's JSON may differ by it, the meaning does not). */
function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false;
  return true;
}

function sameServices(a: HostRecord['services'], b: HostRecord['services']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.manager !== y.manager || x.recoveryEnabled !== y.recoveryEnabled) return false;
    if (x.ports === undefined || y.ports === undefined) {
      if (x.ports !== y.ports) return false;
    } else if (x.ports.length !== y.ports.length || x.ports.some((p, j) => p !== y.ports![j])) return false;
  }
  return true;
}
