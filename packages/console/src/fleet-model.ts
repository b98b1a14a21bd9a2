import type { HostState, HostSummary, ServiceSummary } from './types.js';

export const HOST_STATES: readonly HostState[] = ['online', 'suspect', 'silent', 'left'];
export const NO_ZONE = '(no zone)';

export interface FleetFilter {
  /** Substring of id or hostname, case-insensitive. */
  q: string;
  /** Empty: every state. */
  states: ReadonlySet<HostState>;
  /** '' for every zone. */
  zone: string;
}

export const emptyFilter = (): FleetFilter => ({ q: '', states: new Set(), zone: '' });

export function zoneOf(h: HostSummary, zoneLabel = 'zone'): string {
  return h.labels[zoneLabel] || NO_ZONE;
}

export function matches(h: HostSummary, f: FleetFilter, zoneLabel = 'zone'): boolean {
  if (f.states.size > 0 && !f.states.has(h.state)) return false;
  if (f.zone && zoneOf(h, zoneLabel) !== f.zone) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    if (!h.id.toLowerCase().includes(q) && !h.hostname.toLowerCase().includes(q)) return false;
  }
  return true;
}

/** Services with their state where the coordinator reports one (summary), else just their names. */
export function servicesOf(h: HostSummary): ServiceSummary[] {
  return h.summary?.services ?? h.services;
}

/**
 * One word for a service's badge: its state, or `recovering` while the agent restarts
 * it, or `degraded` when it runs but a check fails.
 */
export function serviceWord(s: ServiceSummary): string | null {
  if (!s.state) return null;
  if (s.recovering) return 'recovering';
  if (s.state === 'running' && s.checks?.some((c) => c.status === 'failing')) return 'degraded';
  return s.state;
}

/** What changed between two snapshots of one host that the fleet view draws. */
export function tileKey(h: HostSummary): string {
  return `${h.state}|${zoneOf(h)}|${servicesOf(h).map((s) => `${s.name}:${serviceWord(s) ?? ''}:${s.exhausted ? 1 : 0}`).join(',')}|${h.summary?.openIncidents?.length ?? 0}`;
}

export interface FleetDiff {
  added: HostSummary[];
  changed: HostSummary[];
  removed: string[];
}

/** The fleet as the page knows it; fed by full lists and by single-host events. */
export class FleetModel {
  readonly hosts = new Map<string, HostSummary>();
  private readonly keys = new Map<string, string>();

  /** Replaces the whole fleet; returns what differs, so the view redraws only that. */
  replace(list: readonly HostSummary[]): FleetDiff {
    const diff: FleetDiff = { added: [], changed: [], removed: [] };
    const seen = new Set<string>();
    for (const h of list) {
      seen.add(h.id);
      const key = tileKey(h);
      const old = this.keys.get(h.id);
      this.hosts.set(h.id, h);
      this.keys.set(h.id, key);
      if (old === undefined) diff.added.push(h);
      else if (old !== key) diff.changed.push(h);
    }
    for (const id of [...this.hosts.keys()]) {
      if (seen.has(id)) continue;
      this.hosts.delete(id);
      this.keys.delete(id);
      diff.removed.push(id);
    }
    return diff;
  }

  /** A host's new state from an event; null when the host is unknown (the caller refetches). */
  setState(id: string, state: HostState, at: string): HostSummary | null {
    const h = this.hosts.get(id);
    if (!h) return null;
    if (h.state === state) return h;
    const next = { ...h, state, stateSince: at };
    this.hosts.set(id, next);
    this.keys.set(id, tileKey(next));
    return next;
  }

  /** One host's fresh summary (after a service or incident event); returns whether it drew differently. */
  upsert(h: HostSummary): boolean {
    const key = tileKey(h);
    const changed = this.keys.get(h.id) !== key;
    this.hosts.set(h.id, h);
    this.keys.set(h.id, key);
    return changed;
  }

  remove(id: string): boolean {
    this.keys.delete(id);
    return this.hosts.delete(id);
  }

  counts(): Record<HostState, number> {
    const c: Record<HostState, number> = { online: 0, suspect: 0, silent: 0, left: 0 };
    for (const h of this.hosts.values()) c[h.state] += 1;
    return c;
  }

  zones(zoneLabel = 'zone'): string[] {
    const z = new Set<string>();
    for (const h of this.hosts.values()) z.add(zoneOf(h, zoneLabel));
    return [...z].sort((a, b) => (a === NO_ZONE ? 1 : b === NO_ZONE ? -1 : a.localeCompare(b)));
  }
}
