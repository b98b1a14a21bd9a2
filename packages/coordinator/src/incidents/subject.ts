/**
 * What an incident is about. A real host's id is a hostname (no colon), so the two
 * pseudo-hosts below can never collide with one: `zone:<zone>` for a zone whose shared
 * network dependency failed, and `coordinator:<id>` for the coordinator's own
 * connectivity (an observer partition). Code asks `subjectOf(incident).kind`, never
 * the id's prefix; the kind is stored with the row.
 */
export type IncidentSubject =
  | { kind: 'host'; hostId: string }
  | { kind: 'service'; hostId: string; service: string }
  | { kind: 'zone'; zone: string }
  | { kind: 'observer'; coordinatorId: string };

export type SubjectKind = IncidentSubject['kind'];

export const SUBJECT_KINDS: readonly SubjectKind[] = ['host', 'service', 'zone', 'observer'];

const ZONE_PREFIX = 'zone:';
const OBSERVER_PREFIX = 'coordinator:';

/** The (hostId, service) key an incident of this subject is stored and deduplicated under. */
export function subjectKey(s: IncidentSubject): { hostId: string; service: string } {
  switch (s.kind) {
    case 'host':
      return { hostId: s.hostId, service: '' };
    case 'service':
      return { hostId: s.hostId, service: s.service };
    case 'zone':
      return { hostId: `${ZONE_PREFIX}${s.zone}`, service: '' };
    case 'observer':
      return { hostId: `${OBSERVER_PREFIX}${s.coordinatorId}`, service: '' };
  }
}

/**
 * The subject of a key given without one (callers that pass only `hostId`), and of rows
 * written before the kind was stored: the one place that reads the pseudo-host prefix.
 */
export function subjectFromKey(hostId: string, service: string): IncidentSubject {
  if (hostId.startsWith(ZONE_PREFIX)) return { kind: 'zone', zone: hostId.slice(ZONE_PREFIX.length) };
  if (hostId.startsWith(OBSERVER_PREFIX)) return { kind: 'observer', coordinatorId: hostId.slice(OBSERVER_PREFIX.length) };
  return service ? { kind: 'service', hostId, service } : { kind: 'host', hostId };
}

/** Builds the subject from a stored kind and key. */
export function subjectFromRow(kind: SubjectKind, hostId: string, service: string): IncidentSubject {
  switch (kind) {
    case 'host':
      return { kind, hostId };
    case 'service':
      return { kind, hostId, service };
    case 'zone':
      return { kind, zone: hostId.startsWith(ZONE_PREFIX) ? hostId.slice(ZONE_PREFIX.length) : hostId };
    case 'observer':
      return { kind, coordinatorId: hostId.startsWith(OBSERVER_PREFIX) ? hostId.slice(OBSERVER_PREFIX.length) : hostId };
  }
}

/** The subject of an incident. */
export function subjectOf(i: { subject: IncidentSubject }): IncidentSubject {
  return i.subject;
}

/** True for subjects that are a real machine (a host or one of its services). */
export function isMachineSubject(s: IncidentSubject): s is Extract<IncidentSubject, { kind: 'host' | 'service' }> {
  return s.kind === 'host' || s.kind === 'service';
}

/**
 * How a group incident's condition follows the incidents it explains. A zone or the
 * coordinator's own connectivity is never observed directly: when everything it explains
 * is clear or resolved, so is it. A zone is down again when one of its hosts is; an
 * observer partition is declared again only by the partition rule, never by one host.
 * Hosts and services are observed directly, whatever their children do.
 */
export const CONDITION_FROM_CHILDREN: Record<SubjectKind, { clearsWithChildren: boolean; returnsWithChildren: boolean }> = {
  host: { clearsWithChildren: false, returnsWithChildren: false },
  service: { clearsWithChildren: false, returnsWithChildren: false },
  zone: { clearsWithChildren: true, returnsWithChildren: true },
  observer: { clearsWithChildren: true, returnsWithChildren: false },
};
