import type { Db } from './db.js';

export interface OutboxRow {
  seq: number;
  eventId: string;
  subject: string;
  payload: string;
}

/**
 * Events waiting to be published. Rows are written in the same transaction as the state
 * change they describe, so a crash can never keep one and lose the other.
 */
export class OutboxStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      add: db.prepare('INSERT INTO outbox (event_id, subject, payload, created_at) VALUES (?, ?, ?, ?)'),
      pending: db.prepare('SELECT seq, event_id AS eventId, subject, payload FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?'),
      depth: db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL'),
      oldest: db.prepare('SELECT MIN(created_at) AS t FROM outbox WHERE published_at IS NULL'),
      mark: db.prepare('UPDATE outbox SET published_at = ? WHERE seq <= ? AND published_at IS NULL'),
      prune: db.prepare('DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < ?'),
    };
  }

  add(eventId: string, subject: string, payload: string, at: number): void {
    this.stmts.add.run(eventId, subject, payload, at);
  }

  pending(limit: number): OutboxRow[] {
    return this.stmts.pending.all(limit) as OutboxRow[];
  }

  depth(): number {
    return (this.stmts.depth.get() as { n: number }).n;
  }

  /** Age of the oldest unpublished event in ms, 0 when none wait. */
  lagMs(now: number): number {
    const t = (this.stmts.oldest.get() as { t: number | null }).t;
    return t === null ? 0 : now - t;
  }

  /** Marks every row up to `seq` published: rows go out strictly in order. */
  markPublishedThrough(seq: number, at: number): void {
    this.stmts.mark.run(at, seq);
  }

  /** Drops published rows older than `before`; they are in JetStream now. */
  prune(before: number): number {
    return this.stmts.prune.run(before).changes;
  }
}
