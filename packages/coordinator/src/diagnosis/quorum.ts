import type { ValidProbeResult } from '@vigil/shared';

export interface VantageReport {
  vantage: string;
  kind: 'coordinator' | 'peer';
  /** False when the vantage could not run its probes (agent gone, request timed out). */
  healthy: boolean;
  error?: string;
  ping?: ValidProbeResult;
  ssh?: ValidProbeResult;
  dns?: ValidProbeResult;
  /** TCP connects to the host's declared service ports, by port number. */
  ports?: Record<string, ValidProbeResult>;
}

export interface QuorumVerdict {
  /** null when no healthy vantage judged it. */
  ok: boolean | null;
  votesOk: number;
  votesFail: number;
  /** Only the coordinator failed while peers reached the host: the coordinator's link is the problem. */
  coordinatorLinkSuspect: boolean;
}

/**
 * The majority of healthy vantages decides; a tie counts as failure only if the
 * coordinator is not the lone dissenter (a bad coordinator link must not make a healthy
 * host look down). Refused or skipped probes do not vote.
 */
export function quorum(reports: VantageReport[], pick: (r: VantageReport) => ValidProbeResult | undefined): QuorumVerdict {
  let ok = 0;
  let fail = 0;
  let coordinatorFailed = false;
  let peersOk = 0;
  for (const r of reports) {
    if (!r.healthy) continue;
    const p = pick(r);
    if (!p || p.refused) continue;
    if (p.ok) {
      ok++;
      if (r.kind === 'peer') peersOk++;
    } else {
      fail++;
      if (r.kind === 'coordinator') coordinatorFailed = true;
    }
  }
  const coordinatorLinkSuspect = coordinatorFailed && fail === 1 && peersOk > 0;
  if (ok + fail === 0) return { ok: null, votesOk: ok, votesFail: fail, coordinatorLinkSuspect };
  if (coordinatorLinkSuspect) return { ok: true, votesOk: ok, votesFail: fail, coordinatorLinkSuspect };
  return { ok: ok > fail, votesOk: ok, votesFail: fail, coordinatorLinkSuspect };
}
