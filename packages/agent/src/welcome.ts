/** Bounds of a heartbeat interval, the same the coordinator applies to Hello.intervalMs. */
export const MIN_INTERVAL_MS = 100;
export const MAX_INTERVAL_MS = 3_600_000;

/**
 * The interval to keep after a Welcome: the coordinator's (it may clamp ours) when it is a
 * whole number of ms within the bounds, else our own. A Welcome is decoded from the wire
 * like any message: 0 means "not set", and a value past 2^31 ms would make the heartbeat
 * timer fire every millisecond.
 */
export function agreedInterval(welcomeMs: number, ownMs: number): number {
  return Number.isInteger(welcomeMs) && welcomeMs >= MIN_INTERVAL_MS && welcomeMs <= MAX_INTERVAL_MS ? welcomeMs : ownMs;
}
