import type { Incident, Silence } from './types.js';

/** A silence matches when each field it names equals the incident's, inside its time window. */
export function silenceMatches(s: Silence, i: Pick<Incident, 'hostId' | 'service' | 'class'>, now: number): boolean {
  if (s.expiredAt !== null || now < s.startsAt || now >= s.endsAt) return false;
  if (s.hostId !== null && s.hostId !== i.hostId) return false;
  if (s.service !== null && s.service !== i.service) return false;
  if (s.class !== null && s.class !== i.class) return false;
  return true;
}
