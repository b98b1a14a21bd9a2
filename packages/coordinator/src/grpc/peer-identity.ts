import type { PeerCertificate } from 'node:tls';
import { normalizeHostId } from '@vigil/shared';

/** The host names a client certificate vouches for: its DNS SANs, else its CN. */
export function certificateHostNames(cert: PeerCertificate | undefined): string[] {
  if (!cert || Object.keys(cert).length === 0) return [];
  const sans = (cert.subjectaltname ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => normalizeHostId(s.slice(4)));
  if (sans.length > 0) return sans;
  const cn = cert.subject?.CN;
  const cns = Array.isArray(cn) ? cn : cn ? [cn] : [];
  return cns.map((c) => normalizeHostId(c));
}

/** Whether the certificate names this host id exactly (no wildcards: one cert, one host). */
export function certificateNamesHost(cert: PeerCertificate | undefined, hostId: string): boolean {
  return certificateHostNames(cert).includes(normalizeHostId(hostId));
}
