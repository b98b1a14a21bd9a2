/**
 * What a vigil-agent promises about reconnecting, which the coordinator's disconnect grace
 * counts on (docs/contract.md). After a stream that had its Welcome breaks, the agent dials
 * again within `firstRetryMs` (a uniform delay up to it: the first step of its backoff) when
 * that stream was up for at least `steadyAfterMs`, or was the first stream its process
 * dialled (`Hello.attempt` 1: no failed attempt before it). Otherwise its backoff may have
 * grown with attempts the coordinator never saw, and nothing shorter is promised.
 */
export const AGENT_REDIAL = { firstRetryMs: 200, steadyAfterMs: 10_000 } as const;
