import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/processes.js';

/**
 * Read-only views of a coordinator's SQLite store (`<data-dir>/vigil.db`), opened with the
 * coordinator's own driver for each read and closed at once, so nothing is held across a
 * restart. The file is the truth the invariants are checked against: what was committed,
 * whatever the API or the stream say.
 */

interface Statement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}
interface ReadDb {
  prepare(sql: string): Statement;
  close(): void;
}
type DatabaseCtor = new (path: string, opts: { readonly: boolean; fileMustExist: boolean; timeout: number }) => ReadDb;

// better-sqlite3 is the coordinator's dependency, not the root's: resolve it from there.
const Database = createRequire(join(REPO_ROOT, 'packages/coordinator/package.json'))('better-sqlite3') as DatabaseCtor;

export interface OutboxEntry {
  eventId: string;
  subject: string;
  published: boolean;
}

export interface StoredAgentEventRow {
  hostId: string;
  eventSeq: number;
  type: string;
  atMs: number;
  /** The journal's identity when the store keeps one (an `epoch` column), else undefined. */
  epoch: string | undefined;
  receivedAt: number;
}

export interface TransitionRow {
  hostId: string;
  from: string | null;
  to: string;
  reason: string;
  at: number;
}

export interface IncidentRow {
  id: string;
  hostId: string;
  service: string;
  class: string;
  state: string;
  openedAt: number;
}

export interface StoreSnapshot {
  outbox: OutboxEntry[];
  agentEvents: StoredAgentEventRow[];
  transitions: TransitionRow[];
  incidents: IncidentRow[];
}

export function readStore(dataDir: string): StoreSnapshot {
  const db = new Database(join(dataDir, 'vigil.db'), { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    const columns = (db.prepare("SELECT name FROM pragma_table_info('agent_events')").all() as { name: string }[]).map((c) => c.name);
    // Tolerate a store whose agent events carry the journal's epoch (and any other extra column).
    const epochCol = columns.includes('epoch') ? 'CAST(epoch AS TEXT)' : 'NULL';
    return {
      outbox: (db.prepare('SELECT event_id, subject, published_at FROM outbox ORDER BY seq').all() as { event_id: string; subject: string; published_at: number | null }[]).map((r) => ({
        eventId: r.event_id,
        subject: r.subject,
        published: r.published_at !== null,
      })),
      agentEvents: (db.prepare(`SELECT host_id, event_seq, type, at, received_at, ${epochCol} AS epoch FROM agent_events`).all() as Record<string, unknown>[]).map((r) => ({
        hostId: r.host_id as string,
        eventSeq: r.event_seq as number,
        type: r.type as string,
        atMs: r.at as number,
        receivedAt: r.received_at as number,
        epoch: r.epoch === null ? undefined : (r.epoch as string),
      })),
      transitions: (db.prepare('SELECT host_id, from_state, to_state, reason, at FROM transitions ORDER BY id').all() as Record<string, unknown>[]).map((r) => ({
        hostId: r.host_id as string,
        from: r.from_state as string | null,
        to: r.to_state as string,
        reason: r.reason as string,
        at: r.at as number,
      })),
      incidents: (db.prepare('SELECT id, host_id, service, class, state, opened_at FROM incidents').all() as Record<string, unknown>[]).map((r) => ({
        id: r.id as string,
        hostId: r.host_id as string,
        service: r.service as string,
        class: r.class as string,
        state: r.state as string,
        openedAt: r.opened_at as number,
      })),
    };
  } finally {
    db.close();
  }
}
