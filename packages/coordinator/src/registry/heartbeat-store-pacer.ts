import type { ValidServiceStatus } from '@vigil/shared';

/**
 * Which heartbeats are written to the store. Memory holds every heartbeat (it is the read
 * model); the store only needs a host's latest sample for a restart, and writing one row
 * per heartbeat was the largest single cost of a heartbeat at 5,000+ agents. A host's
 * heartbeat is stored when:
 * - it is the first of its stream (a new session starts from a stored row);
 * - `intervalMs` passed since the host's last stored heartbeat;
 * - a watched service changed state (running/inactive/failed, recovering, budget
 *   exhausted, or a check's status), so a restart never forgets a failure;
 * - the last write for the host failed (the next one tries again).
 * The others are kept in memory and acked cumulatively by the next stored one.
 * `intervalMs` 0 stores every heartbeat.
 */
export class HeartbeatStorePacer {
  /** Per host: when its last stored heartbeat came, and that heartbeat's services. */
  private readonly stored = new Map<string, { at: number; services: readonly ValidServiceStatus[] }>();
  /** Hosts with heartbeats in memory that the store does not have yet. */
  private readonly behind = new Set<string>();

  constructor(private readonly intervalMs: number) {
    if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new RangeError(`heartbeat store interval must be a finite number of ms >= 0, got ${intervalMs}`);
  }

  /** True when this heartbeat is to be stored; it is then counted as stored. */
  due(hostId: string, now: number, services: readonly ValidServiceStatus[]): boolean {
    const last = this.stored.get(hostId);
    if (this.intervalMs > 0 && last && now - last.at < this.intervalMs && sameStates(last.services, services)) {
      this.behind.add(hostId);
      return false;
    }
    this.stored.set(hostId, { at: now, services });
    this.behind.delete(hostId);
    return true;
  }

  /** Whether the host has heartbeats the store does not have. */
  isBehind(hostId: string): boolean {
    return this.behind.has(hostId);
  }

  /** Hosts with heartbeats the store does not have. */
  hostsBehind(): IterableIterator<string> {
    return this.behind.values();
  }

  /** The host's row was written whole (a snapshot): the store has its latest heartbeat. */
  caughtUp(hostId: string): void {
    this.behind.delete(hostId);
  }

  /** The write of a due heartbeat failed: the store lacks it, and the next one is stored. */
  failed(hostId: string): void {
    this.stored.delete(hostId);
    this.behind.add(hostId);
  }

  /**
   * A new stream or a removed host: start afresh. A new stream's first heartbeat is stored:
   * it brings the session's sequence numbers and when the host was last seen, which its
   * Hello's row (written only when the Hello changed something) does not.
   */
  reset(hostId: string): void {
    this.stored.delete(hostId);
    this.behind.delete(hostId);
  }
}

/** Whether nothing a restart must not forget differs: names, states, recovery, budget, checks' statuses. */
function sameStates(a: readonly ValidServiceStatus[], b: readonly ValidServiceStatus[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.state !== y.state || x.recovering !== y.recovering || x.exhausted !== y.exhausted || x.checks.length !== y.checks.length) return false;
    for (let j = 0; j < x.checks.length; j++) if (x.checks[j]!.status !== y.checks[j]!.status) return false;
  }
  return true;
}
