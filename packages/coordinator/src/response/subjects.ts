import type { Incident } from '../incidents/types.js';
import { subjectKey } from '../incidents/subject.js';

/**
 * The incident keys of the subjects that are not hosts, made by the incident manager's
 * own tagged subject (`incidents/subject.ts`): a zone (hosts sharing a switch or uplink)
 * and the coordinator itself (observer partition). Rules never test an id's prefix; they
 * read `incident.subject`.
 */
export type SubjectKind = 'host' | 'zone' | 'observer';

export function zoneSubject(zone: string): string {
  return subjectKey({ kind: 'zone', zone }).hostId;
}

export function observerSubject(coordinatorId: string): string {
  return subjectKey({ kind: 'observer', coordinatorId }).hostId;
}

/** What the level-action table tells apart: a service's incident counts as its host's (the table has `service` for that). */
export function subjectKindOf(i: Pick<Incident, 'subject'>): SubjectKind {
  const k = i.subject.kind;
  return k === 'service' ? 'host' : k;
}
