import { RUNBOOK_LOG_PATTERNS, type ValidAgentEvent, type ValidLogFinding } from '@vigil/shared';
import type { Incident, RootCause } from '../../incidents/types.js';
import type { ResponseContext } from '../context.js';

/** What a cause without a diagnosis of its own points to. */
const SEE_THE_TABLE = 'see the root-cause table (runbook section 5)';

export function rootCauseOf(f: ValidLogFinding): RootCause {
  return {
    cause: f.cause,
    diagnosis: f.diagnosis || SEE_THE_TABLE,
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

/**
 * The cause an agent's recovery event names, as the incident's root cause while no log
 * finding explains it yet. The agent names the cause from its own findings, but the finding
 * itself travels in the next heartbeat, up to an interval later: an escalation decided
 * between the two (recovery exhausted → level 2) would otherwise choose its actions as if
 * the cause were unknown, and request a failover for a configuration error. The finding,
 * with its log excerpt, replaces this when it comes.
 */
export function attachEventCause(i: Incident, e: ValidAgentEvent, ctx: ResponseContext): void {
  if (!e.cause || i.rootCause) return;
  const known = RUNBOOK_LOG_PATTERNS.find((p) => p.cause === e.cause);
  ctx.incidents.attachRootCause(i.id, {
    cause: e.cause,
    diagnosis: known?.diagnosis ?? SEE_THE_TABLE,
    fix: known?.fix ?? '',
    prevention: known?.prevention ?? '',
    excerpt: e.detail,
    source: `agent event ${e.type}`,
    service: e.service,
  });
}
