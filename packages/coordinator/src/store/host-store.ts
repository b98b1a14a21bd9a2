import type { Db } from './db.js';
import type { HostRecord, HostState, Transition } from '../registry/types.js';

interface HostRow {
  id: string;
  state: HostState;
  state_since: number;
  hostname: string;
  agent_version: string;
  os: string | null;
  labels: string;
  services: string;
  capabilities: string;
  interval_ms: number;
  first_seen: number;
  last_seen: number | null;
  last_seq: number;
  agent_started_at: number | null;
  latest_sample: string | null;
  sample_at: number | null;
  service_status: string;
  address: string | null;
  ssh_port: number | null;
}

function toRecord(r: HostRow): HostRecord {
  return {
    id: r.id,
    state: r.state,
    stateSince: r.state_since,
    hostname: r.hostname,
    agentVersion: r.agent_version,
    os: r.os ? JSON.parse(r.os) : null,
    labels: JSON.parse(r.labels),
    services: JSON.parse(r.services),
    capabilities: JSON.parse(r.capabilities),
    intervalMs: r.interval_ms,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    lastSeq: r.last_seq,
    agentStartedAt: r.agent_started_at,
    latestSample: r.latest_sample ? JSON.parse(r.latest_sample) : null,
    sampleAt: r.sample_at,
    serviceStatus: JSON.parse(r.service_status),
    address: r.address,
    ...(r.ssh_port === null ? {} : { sshPort: r.ssh_port === 0 ? ('none' as const) : r.ssh_port }),
  };
}

export interface HeartbeatWrite {
  hostId: string;
  seq: number;
  at: number;
  /** When the sample was taken, where that is not `at` (null: no sample yet). @default at */
  sampleAt?: number | null;
  sample: unknown;
  services: unknown;
}

/** Hosts and their state history. Every method is synchronous: better-sqlite3 is. */
export class HostStore {
  private readonly stmts;
  /** `saveSnapshot` of several hosts in one transaction: one commit for all. */
  readonly saveSnapshots: (hosts: HostRecord[]) => void;

  constructor(private readonly db: Db) {
    this.saveSnapshots = db.transaction((hosts: HostRecord[]) => {
      for (const h of hosts) this.saveSnapshot(h);
    });
    this.stmts = {
      all: db.prepare('SELECT * FROM hosts ORDER BY id'),
      one: db.prepare('SELECT * FROM hosts WHERE id = ?'),
      countLive: db.prepare("SELECT COUNT(*) AS n FROM hosts WHERE state IN ('online', 'suspect')"),
      upsert: db.prepare(`
        INSERT INTO hosts (id, state, state_since, hostname, agent_version, os, labels, services, capabilities, interval_ms, first_seen, last_seen, last_seq, agent_started_at, address, ssh_port)
        VALUES (@id, @state, @stateSince, @hostname, @agentVersion, @os, @labels, @services, @capabilities, @intervalMs, @firstSeen, @lastSeen, @lastSeq, @agentStartedAt, @address, @sshPort)
        ON CONFLICT(id) DO UPDATE SET hostname = excluded.hostname, agent_version = excluded.agent_version, os = excluded.os,
          labels = excluded.labels, services = excluded.services, capabilities = excluded.capabilities,
          interval_ms = excluded.interval_ms, last_seen = excluded.last_seen, agent_started_at = excluded.agent_started_at, address = excluded.address, ssh_port = excluded.ssh_port`),
      snapshot: db.prepare(`
        INSERT INTO hosts (id, state, state_since, hostname, agent_version, os, labels, services, capabilities, interval_ms, first_seen, last_seen, last_seq, agent_started_at, address, ssh_port, latest_sample, sample_at, service_status)
        VALUES (@id, @state, @stateSince, @hostname, @agentVersion, @os, @labels, @services, @capabilities, @intervalMs, @firstSeen, @lastSeen, @lastSeq, @agentStartedAt, @address, @sshPort, @latestSample, @sampleAt, @serviceStatus)
        ON CONFLICT(id) DO UPDATE SET state = excluded.state, state_since = excluded.state_since, hostname = excluded.hostname, agent_version = excluded.agent_version, os = excluded.os,
          labels = excluded.labels, services = excluded.services, capabilities = excluded.capabilities, interval_ms = excluded.interval_ms, first_seen = excluded.first_seen,
          last_seen = excluded.last_seen, last_seq = excluded.last_seq, agent_started_at = excluded.agent_started_at, address = excluded.address, ssh_port = excluded.ssh_port,
          latest_sample = excluded.latest_sample, sample_at = excluded.sample_at, service_status = excluded.service_status`),
      setState: db.prepare('UPDATE hosts SET state = ?, state_since = ? WHERE id = ?'),
      addTransition: db.prepare('INSERT INTO transitions (host_id, from_state, to_state, reason, at) VALUES (?, ?, ?, ?, ?)'),
      history: db.prepare('SELECT from_state, to_state, reason, at FROM transitions WHERE host_id = ? ORDER BY id DESC LIMIT ?'),
      heartbeat: db.prepare('UPDATE hosts SET last_seen = ?, last_seq = ?, latest_sample = ?, sample_at = ?, service_status = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM hosts WHERE id = ?'),
    };
  }

  all(): HostRecord[] {
    return (this.stmts.all.all() as HostRow[]).map(toRecord);
  }

  /** Hosts that were online or suspect when the store was last written: those that will reconnect after a restart. */
  countLive(): number {
    return (this.stmts.countLive.get() as { n: number }).n;
  }

  get(id: string): HostRecord | undefined {
    const r = this.stmts.one.get(id) as HostRow | undefined;
    return r ? toRecord(r) : undefined;
  }

  /** Deletes a host; its transitions, agent events and log findings go with it (ON DELETE CASCADE). */
  remove(id: string): void {
    this.stmts.remove.run(id);
  }

  /** Inserts or refreshes what a Hello told us; state changes go through recordTransition. */
  upsertHello(h: HostRecord): void {
    this.stmts.upsert.run(helloParams(h));
  }

  /**
   * Writes the whole row as memory holds it (state, last seen, latest sample included):
   * how a host whose writes the store refused is caught up once it takes writes again.
   */
  saveSnapshot(h: HostRecord): void {
    this.stmts.snapshot.run({
      ...helloParams(h),
      state: h.state,
      stateSince: h.stateSince,
      lastSeq: h.lastSeq,
      latestSample: h.latestSample === null ? null : JSON.stringify(h.latestSample),
      sampleAt: h.sampleAt,
      serviceStatus: JSON.stringify(h.serviceStatus),
    });
  }

  recordTransition(t: Transition): void {
    this.stmts.setState.run(t.to, t.at, t.hostId);
    this.stmts.addTransition.run(t.hostId, t.from, t.to, t.reason, t.at);
  }

  history(hostId: string, limit = 50): { from: HostState | null; to: HostState; reason: string; at: number }[] {
    return (this.stmts.history.all(hostId, limit) as { from_state: HostState | null; to_state: HostState; reason: string; at: number }[]).map((r) => ({
      from: r.from_state,
      to: r.to_state,
      reason: r.reason,
      at: r.at,
    }));
  }

  writeHeartbeats(batch: readonly HeartbeatWrite[]): void {
    for (const b of batch) this.stmts.heartbeat.run(b.at, b.seq, b.sample === null ? null : JSON.stringify(b.sample), b.sampleAt === undefined ? b.at : b.sampleAt, JSON.stringify(b.services), b.hostId);
  }
}

function helloParams(h: HostRecord) {
  return {
    id: h.id,
    state: h.state,
    stateSince: h.stateSince,
    hostname: h.hostname,
    agentVersion: h.agentVersion,
    os: h.os ? JSON.stringify(h.os) : null,
    labels: JSON.stringify(h.labels),
    services: JSON.stringify(h.services),
    capabilities: JSON.stringify(h.capabilities),
    intervalMs: h.intervalMs,
    firstSeen: h.firstSeen,
    lastSeen: h.lastSeen,
    lastSeq: h.lastSeq,
    agentStartedAt: h.agentStartedAt,
    address: h.address,
    sshPort: h.sshPort === undefined ? null : h.sshPort === 'none' ? 0 : h.sshPort,
  };
}
