/**
 * What decides which of two coordinators owns a host when both wrote a claim for it: the
 * agent's own order of its Hellos, since only the agent knows which of its streams is the
 * newer one. A claim whose write was slow (a retry after a compare-and-set conflict, a
 * loaded NATS) must not take the host back from the coordinator its agent moved to after.
 */
export interface Claim {
  owner: string;
  /** This coordinator's clock when it wrote the claim. */
  since: number;
  /** How the claim came about: the agent said Hello here, or its owner left and this coordinator took it over. Absent in records of older coordinators: a Hello. */
  via?: 'hello' | 'adoption';
  /** The agent process's start (`Hello.startedAtMs`) of the Hello claimed; 0 or absent where unknown. */
  agentStartedAt?: number;
  /** The Hello's stream attempt within that process (`Hello.attempt`); 0 or absent for agents that do not number them. */
  attempt?: number;
}

/**
 * Whether claim `a` supersedes claim `b` of the same host. In order:
 * - the later agent process, then the later attempt of that process (the agent's clock and
 *   counter: one host's agent is its own witness);
 * - between equal Hellos, a Hello beats an adoption: an adoption only guesses that the
 *   agent is gone, a Hello proves it is here;
 * - then the later claim by the claimers' clocks, then the larger coordinator id, so that
 *   two coordinators always agree and never take a host from each other in turn.
 */
export function supersedes(a: Claim, b: Claim): boolean {
  const key = (c: Claim): number[] => [c.agentStartedAt ?? 0, c.attempt ?? 0, c.via === 'adoption' ? 0 : 1, c.since];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! > kb[i]!;
  return a.owner > b.owner;
}
