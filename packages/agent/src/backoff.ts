import { AGENT_REDIAL } from '@vigil/shared';

/** Reconnect backoff settings. */
export interface BackoffOptions {
  /**
   * Ceiling of the first retry's delay.
   * @default 200
   */
  baseMs?: number;
  /**
   * Largest delay, however many attempts have failed.
   * @default 10000
   */
  capMs?: number;
  /** Uniform random number in [0, 1). @default Math.random */
  random?: () => number;
}

/** The first step is the redial the coordinator's disconnect grace counts on (AGENT_REDIAL). */
export const DEFAULT_BACKOFF = { baseMs: AGENT_REDIAL.firstRetryMs, capMs: 10_000 } as const;

/** The largest delay before retry number `attempt` (1-based): base·2^(attempt-1), capped. */
export function backoffCeiling(attempt: number, baseMs: number = DEFAULT_BACKOFF.baseMs, capMs: number = DEFAULT_BACKOFF.capMs): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(capMs, baseMs * 2 ** exponent);
}

/**
 * "Full jitter": a uniform delay between 0 and the ceiling. After a coordinator restart
 * the whole fleet reconnects at once; spreading the retries over the window keeps them
 * from arriving in synchronised waves.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const random = options.random ?? Math.random;
  return Math.floor(random() * backoffCeiling(attempt, options.baseMs, options.capMs));
}
