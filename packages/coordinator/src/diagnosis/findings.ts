import type { ValidProbeResult } from '@vigil/shared';
import type { QuorumVerdict, VantageReport } from './quorum.js';
import type { StreamEnd } from './stream-ends.js';

/*
 * Diagnosis findings in plain words, one line per check, e.g. "ping: 4/4 vantages
 * answered" or "ssh: port 22 refused at 4/4 vantages". Pure: built from the vantages'
 * reports and the quorum, so they can be checked without a network.
 */

/** The error code of a wire probe result (`"refused: connection refused"` → `refused`). */
function errorCode(r: ValidProbeResult): string {
  const code = r.error.split(':', 1)[0]!.trim();
  return code || 'failed';
}

/** "refused at 3/4 vantages, timeout at 1/4": how the failing votes failed. */
function failureWords(results: ValidProbeResult[], voters: number): string {
  const byCode = new Map<string, number>();
  for (const r of results) if (!r.ok) byCode.set(errorCode(r), (byCode.get(errorCode(r)) ?? 0) + 1);
  return [...byCode.entries()].map(([code, n]) => `${code} at ${n}/${voters}`).join(', ');
}

/** The votes of one check: results of healthy vantages that ran it (refused probes do not vote). */
function votes(reports: VantageReport[], pick: (r: VantageReport) => ValidProbeResult | undefined): ValidProbeResult[] {
  const out: ValidProbeResult[] = [];
  for (const r of reports) {
    const p = r.healthy ? pick(r) : undefined;
    if (p && !p.refused) out.push(p);
  }
  return out;
}

function tally(q: QuorumVerdict): string {
  return `${q.votesOk}/${q.votesOk + q.votesFail} vantages`;
}

export function pingFinding(reports: VantageReport[], q: QuorumVerdict): string {
  if (q.ok === null) return 'ping: no vantage could ping';
  const failed = votes(reports, (r) => r.ping).filter((p) => !p.ok);
  const how = failed.length > 0 ? ` (${failureWords(failed, q.votesOk + q.votesFail)})` : '';
  return `ping: ${tally(q)} answered${how}${q.coordinatorLinkSuspect ? '; only the coordinator failed' : ''}`;
}

export function dnsFinding(name: string | null, reports: VantageReport[], q: QuorumVerdict): string {
  if (name === null) return 'dns: not checked (the host is known by address only)';
  if (q.ok === null) return `dns: no vantage could resolve "${name}"`;
  const failed = votes(reports, (r) => r.dns).filter((p) => !p.ok);
  const how = failed.length > 0 ? ` (${failureWords(failed, q.votesOk + q.votesFail)})` : '';
  return `dns: "${name}" resolved at ${tally(q)}${how}`;
}

export type SshStep =
  | { kind: 'none'; from: string }
  | { kind: 'skipped' }
  | { kind: 'probed'; port: number; from: string; q: QuorumVerdict };

export function sshFinding(step: SshStep, reports: VantageReport[]): string {
  switch (step.kind) {
    case 'none':
      return `ssh: none to judge (sshPort is "none" by the ${step.from} setting)`;
    case 'skipped':
      return 'ssh: not waited for (the network step failed)';
    case 'probed': {
      const { port, q } = step;
      if (q.ok === null) return `ssh: port ${port} (${step.from} setting) could not be probed from any vantage`;
      const voters = q.votesOk + q.votesFail;
      const failed = votes(reports, (r) => r.ssh).filter((p) => !p.ok);
      const parts = [`banner at ${q.votesOk}/${voters}`];
      if (failed.length > 0) parts.push(failureWords(failed, voters));
      return `ssh: port ${port} (${step.from} setting): ${parts.join(', ')}`;
    }
  }
}

export interface PortVerdict {
  service: string;
  port: number;
  q: QuorumVerdict;
}

export function servicePortsFinding(ports: PortVerdict[], reports: VantageReport[], skipped: boolean): string {
  if (ports.length === 0) return 'service ports: none declared';
  if (skipped) return 'service ports: not waited for (the network step failed)';
  return `service ports: ${ports
    .map((p) => {
      if (p.q.ok === null) return `${p.service}:${p.port} not probed`;
      const voters = p.q.votesOk + p.q.votesFail;
      const failed = votes(reports, (r) => r.ports?.[String(p.port)]).filter((x) => !x.ok);
      return `${p.service}:${p.port} answered at ${p.q.votesOk}/${voters}${failed.length > 0 ? ` (${failureWords(failed, voters)})` : ''}`;
    })
    .join('; ')}`;
}

const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

/** The agent's stream, as the coordinator saw it: connected, closed N s ago, or quiet. */
export function agentFinding(connected: boolean, lastSeen: number | null, end: StreamEnd | undefined, now: number): string {
  if (connected) return `agent: stream connected, last heartbeat ${lastSeen === null ? 'never' : `${seconds(now - lastSeen)} ago`}`;
  if (!end) return `agent: not connected${lastSeen === null ? '' : `, last heartbeat ${seconds(now - lastSeen)} ago`}; how its stream ended was not seen by this coordinator`;
  switch (end.kind) {
    case 'closed':
      return `agent: stream closed ${seconds(now - end.at)} ago (${end.why}), no reconnect`;
    case 'quiet':
      return `agent: heartbeats stopped ${seconds(now - end.at)} ago on an open stream (${end.why})`;
  }
}
