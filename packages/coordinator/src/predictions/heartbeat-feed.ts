import type { SeriesStore } from './series-store.js';

/** The parts of a heartbeat the rules need; a subset of the agent's heartbeat message. */
export interface HeartbeatSample {
  resources?: {
    /** When the agent took the sample; a repeated sample (same time) is not observed twice. */
    takenAtMs?: number;
    memory: { totalBytes: number; usedBytes: number } | null;
    filesystems: readonly { mount: string; sizeBytes: number; usedBytes: number; inodesTotal: number; inodesUsed: number }[];
  } | null;
  services?: readonly {
    name: string;
    checks: readonly { name?: string; type: string; responseMs: number; status: string }[];
    errorRate: { requests: number; errors: number; rate: number } | null;
    /** Resident memory of the service's processes, when the agent reports it. */
    memoryBytes?: number;
    /** The same as a share of host memory, 0-100; preferred over memoryBytes when both are given. */
    memoryPercent?: number;
  }[];
}

/**
 * Turns heartbeats into series observations:
 * - host `memory_percent` = used / total;
 * - `disk_percent` and `inode_percent` per mount (filesystems reporting no size or no
 *   inodes, such as pseudo filesystems and btrfs' inodes, are skipped);
 * - per service: `response_time_ms` per HTTP check (instance = check name), `error_rate`
 *   when requests were served, `memory_percent` when the agent reports service memory.
 * Observations are stamped with the coordinator's arrival time, not the agent's clock.
 */
export class HeartbeatFeed {
  private readonly lastTaken = new Map<string, number>();
  private readonly lastTotal = new Map<string, number>();

  constructor(private readonly store: SeriesStore) {}

  observe(hostId: string, atMs: number, sample: HeartbeatSample): void {
    const r = sample.resources;
    const fresh = r ? r.takenAtMs === undefined || this.lastTaken.get(hostId) !== r.takenAtMs : false;
    if (r && fresh) {
      if (r.takenAtMs !== undefined) this.lastTaken.set(hostId, r.takenAtMs);
      const m = r.memory;
      if (m && m.totalBytes > 0) {
        this.lastTotal.set(hostId, m.totalBytes);
        this.store.observe(hostId, '', 'memory_percent', '', percent(m.usedBytes, m.totalBytes), atMs);
      }
      for (const fs of r.filesystems) {
        if (fs.sizeBytes > 0) this.store.observe(hostId, '', 'disk_percent', fs.mount, percent(fs.usedBytes, fs.sizeBytes), atMs);
        if (fs.inodesTotal > 0) this.store.observe(hostId, '', 'inode_percent', fs.mount, percent(fs.inodesUsed, fs.inodesTotal), atMs);
      }
    }
    for (const s of sample.services ?? []) {
      for (const c of s.checks) {
        // A pending check has not run yet; 0 ms means no response was timed (refused).
        if (c.type !== 'http' || c.status === 'pending' || !(c.responseMs > 0)) continue;
        this.store.observe(hostId, s.name, 'response_time_ms', c.name ?? '', c.responseMs, atMs);
      }
      if (s.errorRate && s.errorRate.requests > 0) this.store.observe(hostId, s.name, 'error_rate', '', s.errorRate.rate, atMs);
      const total = this.lastTotal.get(hostId);
      const memPct = s.memoryPercent ?? (s.memoryBytes !== undefined && total ? percent(s.memoryBytes, total) : undefined);
      if (memPct !== undefined) this.store.observe(hostId, s.name, 'memory_percent', '', memPct, atMs);
    }
  }

  forgetHost(hostId: string): void {
    this.lastTaken.delete(hostId);
    this.lastTotal.delete(hostId);
  }
}

function percent(part: number, whole: number): number {
  return Math.min(100, Math.max(0, (part / whole) * 100));
}
