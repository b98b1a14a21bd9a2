import type { ValidAgentEvent, ValidLogFinding } from '@vigil/shared';
import type { Db } from './db.js';

export interface StoredAgentEvent extends ValidAgentEvent {
  hostId: string;
  /** The agent journal's epoch the sequence number counts in ('' from agents without epochs). */
  epoch: string;
  receivedAt: number;
}

/** Sequence numbers of one epoch that never arrived: fromSeq..toSeq, both included. */
export interface EventGap {
  hostId: string;
  epoch: string;
  fromSeq: number;
  toSeq: number;
  detectedAt: number;
}

export interface InsertedEvent {
  /** False for a replay or duplicate (already stored). */
  fresh: boolean;
  /** The newest stored sequence number of the epoch, to be acked. */
  last: number;
  /** Numbers skipped before this event, if it jumped ahead. */
  gap: EventGap | undefined;
}

/** What `recent` lists for a gap, beside the events: a timeline entry of its own type. */
export const EVENT_GAP_TYPE = 'event_gap';

/**
 * Service and recovery events from agents, and their log findings. Events are keyed by
 * (host, epoch, event_seq): an event replayed after a reconnect is recognised and stored
 * once, and a new journal (a new epoch) numbering from 1 again is a new sequence.
 *
 * Gaps: within one epoch the agent sends its events in order and replays from the last
 * stored one, so an event arriving with seq > last + 1 means the numbers between never
 * will; they are recorded (a replay or duplicate, seq <= last, is not a gap). The first
 * event this store gets of an epoch starts its sequence here: the ones before it may be
 * stored by another coordinator of a cluster (the host moved), or under the epoch '' (an
 * upgraded journal keeps its numbering under its new epoch), so nothing is held against 1.
 */
export interface AgentEventStoreOptions {
  /**
   * Called inside the insert's transaction for each event stored for the first time (not
   * for a replay): the coordinator writes its outbox event there, so the two commit together.
   */
  stored?: (e: StoredAgentEvent) => void;
}

export class AgentEventStore {
  private readonly stmts;
  readonly insertEvent: (hostId: string, epoch: string, e: ValidAgentEvent, receivedAt: number) => InsertedEvent;

  constructor(db: Db, opts: AgentEventStoreOptions = {}) {
    this.stmts = {
      insert: db.prepare(`INSERT OR IGNORE INTO agent_events (host_id, epoch, event_seq, at, service, type, step, detail, cause, request_id, received_at, time_to_serving_ms, time_to_verified_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      lastInEpoch: db.prepare('SELECT MAX(event_seq) AS s FROM agent_events WHERE host_id = ? AND epoch = ?'),
      addGap: db.prepare('INSERT OR IGNORE INTO agent_event_gaps (host_id, epoch, from_seq, to_seq, detected_at) VALUES (?, ?, ?, ?, ?)'),
      gaps: db.prepare('SELECT * FROM agent_event_gaps WHERE host_id = ? ORDER BY detected_at DESC, from_seq DESC LIMIT ?'),
      // Newest first by arrival: sequence numbers of different epochs do not compare.
      recent: db.prepare(`SELECT host_id, epoch, event_seq, at, service, type, step, detail, cause, request_id, received_at, time_to_serving_ms, time_to_verified_ms, k FROM (
          SELECT *, rowid AS k FROM agent_events WHERE host_id = ? ORDER BY rowid DESC LIMIT ?)
        UNION ALL
        SELECT host_id, epoch, from_seq AS event_seq, detected_at AS at, '' AS service, '${EVENT_GAP_TYPE}' AS type, '' AS step,
          'events ' || from_seq || CASE WHEN to_seq > from_seq THEN '-' || to_seq ELSE '' END || ' of epoch "' || epoch || '" never arrived' AS detail,
          '' AS cause, '' AS request_id, detected_at AS received_at, 0, 0, 0 AS k FROM agent_event_gaps WHERE host_id = ?
        ORDER BY received_at DESC, k DESC LIMIT ?`),
      forService: db.prepare('SELECT * FROM agent_events WHERE host_id = ? AND service = ? AND at >= ? ORDER BY at, rowid'),
      upsertFinding: db.prepare(`INSERT INTO log_findings (host_id, service, cause, source, excerpt, count, first_seen, last_seen, skipped_lines, diagnosis, fix, prevention)
        VALUES (@hostId, @service, @cause, @source, @excerpt, @count, @firstSeenMs, @lastSeenMs, @skippedLines, @diagnosis, @fix, @prevention)
        ON CONFLICT(host_id, service, cause, source) DO UPDATE SET excerpt = excluded.excerpt, count = excluded.count,
          first_seen = MIN(first_seen, excluded.first_seen), last_seen = excluded.last_seen, skipped_lines = excluded.skipped_lines,
          diagnosis = excluded.diagnosis, fix = excluded.fix, prevention = excluded.prevention`),
      findings: db.prepare('SELECT * FROM log_findings WHERE host_id = ? ORDER BY last_seen DESC'),
      saveServices: db.prepare('UPDATE hosts SET service_status = ? WHERE id = ?'),
    };
    this.insertEvent = db.transaction((hostId: string, epoch: string, e: ValidAgentEvent, receivedAt: number): InsertedEvent => {
      const last = this.lastEventSeq(hostId, epoch);
      const r = this.stmts.insert.run(hostId, epoch, e.eventSeq, e.atMs, e.service, e.type, e.step, e.detail, e.cause, e.requestId, receivedAt, e.timeToServingMs ?? 0, e.timeToVerifiedMs ?? 0);
      const fresh = r.changes === 1;
      if (fresh) opts.stored?.({ ...e, hostId, epoch, receivedAt });
      let gap: EventGap | undefined;
      if (fresh && last > 0 && e.eventSeq > last + 1) {
        gap = { hostId, epoch, fromSeq: last + 1, toSeq: e.eventSeq - 1, detectedAt: receivedAt };
        this.stmts.addGap.run(hostId, epoch, gap.fromSeq, gap.toSeq, receivedAt);
      }
      return { fresh, last: Math.max(last, e.eventSeq), gap };
    });
  }

  /** The newest stored sequence number of the host's events in `epoch` (0 if none). */
  lastEventSeq(hostId: string, epoch = ''): number {
    return (this.stmts.lastInEpoch.get(hostId, epoch) as { s: number | null } | undefined)?.s ?? 0;
  }

  /** The newest events and recorded gaps (as type `event_gap`, seq = the first missing), newest arrival first. */
  recent(hostId: string, limit = 100): StoredAgentEvent[] {
    return (this.stmts.recent.all(hostId, limit, hostId, limit) as Record<string, unknown>[]).map(rowToEvent);
  }

  /** Recorded gaps, newest first. */
  gaps(hostId: string, limit = 100): EventGap[] {
    return (this.stmts.gaps.all(hostId, limit) as Record<string, unknown>[]).map((r) => ({
      hostId: r.host_id as string,
      epoch: r.epoch as string,
      fromSeq: r.from_seq as number,
      toSeq: r.to_seq as number,
      detectedAt: r.detected_at as number,
    }));
  }

  forService(hostId: string, service: string, since: number): StoredAgentEvent[] {
    return (this.stmts.forService.all(hostId, service, since) as Record<string, unknown>[]).map(rowToEvent);
  }

  saveFindings(hostId: string, findings: readonly ValidLogFinding[]): void {
    for (const f of findings) this.stmts.upsertFinding.run({ hostId, ...f });
  }

  findings(hostId: string): (ValidLogFinding & { hostId: string })[] {
    return (this.stmts.findings.all(hostId) as Record<string, unknown>[]).map((r) => ({
      hostId: r.host_id as string,
      service: r.service as string,
      cause: r.cause as string,
      source: r.source as string,
      excerpt: r.excerpt as string,
      count: r.count as number,
      firstSeenMs: r.first_seen as number,
      lastSeenMs: r.last_seen as number,
      skippedLines: r.skipped_lines as number,
      diagnosis: r.diagnosis as string,
      fix: r.fix as string,
      prevention: r.prevention as string,
    }));
  }

  saveServices(hostId: string, services: unknown): void {
    this.stmts.saveServices.run(JSON.stringify(services), hostId);
  }
}

function rowToEvent(r: Record<string, unknown>): StoredAgentEvent {
  return {
    hostId: r.host_id as string,
    epoch: r.epoch as string,
    eventSeq: r.event_seq as number,
    atMs: r.at as number,
    service: r.service as string,
    type: r.type as string,
    step: r.step as string,
    detail: r.detail as string,
    cause: r.cause as string,
    requestId: r.request_id as string,
    receivedAt: r.received_at as number,
    // Only a successful recovery has them.
    ...(r.type === 'recovery_succeeded' ? { timeToServingMs: r.time_to_serving_ms as number, timeToVerifiedMs: r.time_to_verified_ms as number } : {}),
  };
}
