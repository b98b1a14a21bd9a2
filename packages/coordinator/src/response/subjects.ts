/**
 * Incident subjects that are not hosts: a zone (hosts sharing a switch or uplink) and the
 * coordinator itself (observer partition). Today they are host ids with a prefix; every
 * use of the prefix is here, so a tagged subject replaces them in one place.
 */
export type SubjectKind = 'host' | 'zone' | 'observer';

const ZONE_PREFIX = 'zone:';
const OBSERVER_PREFIX = 'coordinator:';

export function zoneSubject(zone: string): string {
  return `${ZONE_PREFIX}${zone}`;
}

export function observerSubject(coordinatorId: string): string {
  return `${OBSERVER_PREFIX}${coordinatorId}`;
}

export function subjectKind(subject: string): SubjectKind {
  if (subject.startsWith(ZONE_PREFIX)) return 'zone';
  if (subject.startsWith(OBSERVER_PREFIX)) return 'observer';
  return 'host';
}
