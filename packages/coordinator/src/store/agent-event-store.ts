import type { ValidAgentEvent, ValidLogFinding } from '@vigil/shared';
import type { Db } from './db.js';

export interface StoredAgentEvent extends ValidAgentEvent {
  hostId: string;
  receivedAt: number;
}

/**
 * Service and recovery events from agents, and their log findings. Events are keyed by
 * (host, event_seq): an event replayed after a reconnect is recognised and stored once.
 */
export class AgentEventStore {
  private readonly stmts;
  readonly insertEvent: (hostId: string, e: ValidAgentEvent, receivedAt: number) => boolean;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(`INSERT OR IGNORE INTO agent_events (host_id, event_seq, at, service, type, step, detail, cause, request_id, received_at, time_to_serving_ms, time_to_verified_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      bump: db.prepare('UPDATE hosts SET last_event_seq = MAX(last_event_seq, ?) WHERE id = ?'),
      lastSeq: db.prepare('SELECT last_event_seq AS s FROM hosts WHERE id = ?'),
      recent: db.prepare('SELECT * FROM agent_events WHERE host_id = ? ORDER BY event_seq DESC LIMIT ?'),
      forService: db.prepare('SELECT * FROM agent_events WHERE host_id = ? AND service = ? AND at >= ? ORDER BY event_seq'),
      upsertFinding: db.prepare(`INSERT INTO log_findings (host_id, service, cause, source, excerpt, count, first_seen, last_seen, skipped_lines, diagnosis, fix, prevention)
        VALUES (@hostId, @service, @cause, @source, @excerpt, @count, @firstSeenMs, @lastSeenMs, @skippedLines, @diagnosis, @fix, @prevention)
        ON CONFLICT(host_id, service, cause, source) DO UPDATE SET excerpt = excluded.excerpt, count = excluded.count,
          first_seen = MIN(first_seen, excluded.first_seen), last_seen = excluded.last_seen, skipped_lines = excluded.skipped_lines,
          diagnosis = excluded.diagnosis, fix = excluded.fix, prevention = excluded.prevention`),
      findings: db.prepare('SELECT * FROM log_findings WHERE host_id = ? ORDER BY last_seen DESC'),
      saveServices: db.prepare('UPDATE hosts SET service_status = ? WHERE id = ?'),
    };
    this.insertEvent = db.transaction((hostId: string, e: ValidAgentEvent, receivedAt: number) => {
      const r = this.stmts.insert.run(hostId, e.eventSeq, e.atMs, e.service, e.type, e.step, e.detail, e.cause, e.requestId, receivedAt, e.timeToServingMs ?? 0, e.timeToVerifiedMs ?? 0);
      this.stmts.bump.run(e.eventSeq, hostId);
      return r.changes === 1;
    });
  }

  lastEventSeq(hostId: string): number {
    return (this.stmts.lastSeq.get(hostId) as { s: number } | undefined)?.s ?? 0;
  }

  recent(hostId: string, limit = 100): StoredAgentEvent[] {
    return (this.stmts.recent.all(hostId, limit) as Record<string, unknown>[]).map(rowToEvent);
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
