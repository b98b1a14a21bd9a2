import type { HostDiagnosis } from '../diagnosis/diagnoser.js';

/**
 * What the healthy peer agents saw of one silent host, against what the coordinator saw:
 * - `coordinator_alone`: peers reached it (ping) while the coordinator could not: the
 *   coordinator's own view is the odd one out;
 * - `unreachable`: peers could not reach it either: the host (or its zone) is really cut off;
 * - `none`: no healthy peer judged it (no peer, none answered), or everyone reached it.
 */
export type PeerEvidence = 'coordinator_alone' | 'unreachable' | 'none';

export function peerEvidence(d: Pick<HostDiagnosis, 'vantages'>): PeerEvidence {
  const voted = (v: HostDiagnosis['vantages'][number]) => v.healthy && v.ping !== undefined && !v.ping.refused;
  const peers = d.vantages.filter((v) => v.kind === 'peer' && voted(v));
  if (peers.length === 0) return 'none';
  if (!peers.some((v) => v.ping!.ok)) return 'unreachable';
  const coordinatorFailed = d.vantages.some((v) => v.kind === 'coordinator' && voted(v) && !v.ping!.ok);
  return coordinatorFailed ? 'coordinator_alone' : 'none';
}

export interface PartitionInput {
  /** Hosts that fell silent within the partition window. */
  silent: readonly string[];
  /** Hosts online, suspect or silent. */
  known: number;
  /** Hosts still heartbeating to this coordinator. */
  connected: number;
  /** What peers saw of the silent hosts whose diagnosis finished. */
  evidence: ReadonlyMap<string, PeerEvidence>;
  /**
   * Some connected agent can probe: peer evidence is still to come for silent hosts
   * without any. A function, asked only when the counts and the evidence left it open.
   */
  peersAvailable: () => boolean;
  minHosts: number;
  ratio: number;
}

export type PartitionVerdict =
  | { kind: 'not_partition'; why: string }
  /** Peers are still probing the silent hosts: decide when their diagnoses are in. */
  | { kind: 'undecided'; why: string }
  | { kind: 'partition'; why: string };

/**
 * "Is it them, or is it us?" Many hosts silent at once only make the coordinator a
 * suspect; it is an observer partition when its view is the odd one out: healthy peers
 * still reach hosts it cannot, or it lost most of the hosts it had at once and no peer
 * could say otherwise. Peers that cannot reach the silent hosts either, or most hosts
 * still heartbeating to it, say the hosts are really down (a zone outage), and each host
 * is paged on its own or under its zone.
 */
export function judgePartition(p: PartitionInput): PartitionVerdict {
  const n = p.silent.length;
  if (n < p.minHosts || n < p.known * p.ratio) return { kind: 'not_partition', why: `${n} of ${p.known} hosts silent: too few for a partition` };
  let alone = 0;
  let unreachable = 0;
  for (const h of p.silent) {
    const e = p.evidence.get(h);
    if (e === 'coordinator_alone') alone++;
    else if (e === 'unreachable') unreachable++;
  }
  if (alone > 0 && alone >= unreachable) return { kind: 'partition', why: `healthy peers reach ${alone} of the ${n} silent hosts that the coordinator cannot reach` };
  if (unreachable > 0) return { kind: 'not_partition', why: `healthy peers cannot reach ${unreachable} of the ${n} silent hosts either: they are down, not the coordinator` };
  if (p.connected >= n) return { kind: 'not_partition', why: `${p.connected} hosts still heartbeat to the coordinator against ${n} silent` };
  const pending = p.silent.filter((h) => !p.evidence.has(h)).length;
  if (pending > 0 && p.peersAvailable()) return { kind: 'undecided', why: `waiting for peers to probe ${pending} silent hosts` };
  return { kind: 'partition', why: `${n} of ${p.known} hosts fell silent at once (${p.connected} still connected) and no peer could reach them to say otherwise` };
}
