/**
 * Flap detection, after Nagios: an incident whose condition keeps changing between
 * present and clear is one outage that comes and goes, not a series of small ones. While
 * flapping it keeps escalating on its timers, clear moments included, and it still
 * resolves only once its condition has stayed clear for the whole settle window.
 */
export interface FlapOptions {
  /** Condition changes (present to clear or back) within `windowMs` that make an incident flapping. @default 3 */
  changes: number;
  /** How far back changes count; a flapping incident whose condition held steady this long stops flapping. @default 10 min */
  windowMs: number;
}

export const DEFAULT_FLAP_OPTIONS: FlapOptions = { changes: 3, windowMs: 10 * 60_000 };

/** The change times to keep after a change at `now`: the ones still inside the window, and now. */
export function recordChange(changes: readonly number[], now: number, o: FlapOptions): number[] {
  return [...changes.filter((t) => t > now - o.windowMs), now];
}

export function isFlapping(changes: readonly number[], now: number, o: FlapOptions): boolean {
  return changes.filter((t) => t > now - o.windowMs).length >= o.changes;
}

/** A flapping incident stops flapping once its condition has not changed for a whole window. */
export function flapEnded(changes: readonly number[], now: number, o: FlapOptions): boolean {
  const last = changes.at(-1);
  return last === undefined || last <= now - o.windowMs;
}
