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
  private readonly stored = new Map<string, { at: number; services: string }>();
  /** Hosts with heartbeats in memory that the store does not have yet. */
  private readonly behind = new Set<string>();

  constructor(private readonly intervalMs: number) {
    if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new RangeError(`heartbeat store interval must be a finite number of ms >= 0, got ${intervalMs}`);
  }

  /** True when this heartbeat is to be stored; it is then counted as stored. */
  due(hostId: string, now: number, services: readonly ValidServiceStatus[]): boolean {
    const signature = serviceSignature(services);
    const last = this.stored.get(hostId);
    if (this.intervalMs > 0 && last && now - last.at < this.intervalMs && last.services === signature) {
      this.behind.add(hostId);
      return false;
    }
    this.stored.set(hostId, { at: now, services: signature });
    this.behind.delete(hostId);
    return true;
  }

  /** Whether the host has heartbeats the store does not have. */
  isBehind(hostId: string): boolean {
    return this.behind.has(hostId);
  }

  /** The host's row was written whole (a snapshot): the store has its latest heartbeat. */
  caughtUp(hostId: string): void {
    this.behind.delete(hostId);
  }

  /** Hosts with heartbeats the store does not have. */
  hostsBehind(): IterableIterator<string> {
    return this.behind.values();
  }

  /** A new stream, a failed write or a removed host: the next heartbeat is stored. */
  forget(hostId: string): void {
    this.stored.delete(hostId);
  }
}

/** What of the services' status must never wait for the interval; '' when nothing is watched. */
function serviceSignature(services: readonly ValidServiceStatus[]): string {
  if (services.length === 0) return '';
  let s = '';
  for (const svc of services) {
    s += `${svc.name}\u0000${svc.state}${svc.recovering ? 'r' : ''}${svc.exhausted ? 'x' : ''}`;
    for (const c of svc.checks) s += `\u0001${c.status}`;
    s += '\u0002';
  }
  return s;
}
