import type { ValidLogFinding } from '@vigil/shared';
import type { Incident, RootCause } from '../../incidents/types.js';
import type { ResponseContext } from '../context.js';

export function rootCauseOf(f: ValidLogFinding): RootCause {
  return {
    cause: f.cause,
    diagnosis: f.diagnosis || 'see the root-cause table (runbook section 5)',
    fix: f.fix,
    prevention: f.prevention,
    excerpt: f.excerpt,
    source: f.source,
    service: f.service,
  };
}

/** Findings seen before the incident opened explain it too. */
export function attachKnownRootCause(i: Incident, ctx: ResponseContext): void {
  const findings = ctx.findingsOf(i.hostId).filter((f) => i.service === '' || f.service === i.service);
  const latest = findings.sort((a, b) => b.lastSeenMs - a.lastSeenMs)[0];
  if (latest) ctx.incidents.attachRootCause(i.id, rootCauseOf(latest));
}
