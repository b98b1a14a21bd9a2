/**
 * NATS subjects for Vigil's events. A host id is a hostname and may contain dots, which
 * NATS treats as token separators; hostnames never contain `_`, so every `.` maps to `_`
 * and the mapping is reversible: `web-1.eu.example.com` → `web-1_eu_example_com`.
 */
export const SUBJECT_ROOT = 'vigil.v1';

export function hostToken(hostId: string): string {
  return hostId.replaceAll('.', '_');
}

export function hostFromToken(token: string): string {
  return token.replaceAll('_', '.');
}

export function hostStateSubject(state: string, hostId: string): string {
  return `${SUBJECT_ROOT}.host.${state}.${hostToken(hostId)}`;
}
