import type { Db } from './db.js';

export interface OutboxRow {
  seq: number;
  eventId: string;
  subject: string;
  payload: string;
}

/** A stored event as the API's event stream reads it. */
export interface StoredEvent {
  seq: number;
  subject: string;
  payload: string;
  createdAt: number;
}

export interface OutboxStoreOptions {
  /**
   * Whether rows wait for a publisher (NATS). Without one they are stored as published at
   * once: they still feed `GET /v1/events` and are pruned after the retention like
   * published rows. @default true
   */
  publishes?: boolean;
}

/**
 * Events waiting to be published. Rows are written in the same transaction as the state
 * change they describe, so a crash can never keep one and lose the other.
 */
export class OutboxStore {
  private readonly stmts;
  private readonly listeners = new Set<() => void>();
  private notifyQueued = false;
  private readonly publishes: boolean;

  constructor(db: Db, opts: OutboxStoreOptions = {}) {
    this.publishes = opts.publishes ?? true;
    this.stmts = {
      add: db.prepare('INSERT INTO outbox (event_id, subject, payload, created_at, published_at) VALUES (?, ?, ?, ?, ?)'),
      after: db.prepare('SELECT seq, subject, payload, created_at AS createdAt FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?'),
      oldestSeq: db.prepare('SELECT MIN(seq) AS s FROM outbox'),
      // AUTOINCREMENT keeps the highest seq ever given, even once every row is pruned.
      latestSeq: db.prepare("SELECT seq AS s FROM sqlite_sequence WHERE name = 'outbox'"),
      pending: db.prepare('SELECT seq, event_id AS eventId, subject, payload FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?'),
      depth: db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL'),
      oldest: db.prepare('SELECT MIN(created_at) AS t FROM outbox WHERE published_at IS NULL'),
      mark: db.prepare('UPDATE outbox SET published_at = ? WHERE seq <= ? AND published_at IS NULL'),
      prune: db.prepare('DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < ?'),
    };
  }

  add(eventId: string, subject: string, payload: string, at: number): void {
    this.stmts.add.run(eventId, subject, payload, at, this.publishes ? null : at);
    this.queueNotify();
  }

  /**
   * Calls `listener` after rows were added. Rows are added inside the transaction of their
   * change (better-sqlite3 transactions are synchronous), so a microtask runs only once it
   * has committed or rolled back; a rolled-back row makes a wake-up that finds nothing new.
   * Returns the function that removes the listener.
   */
  onAdded(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private queueNotify(): void {
    if (this.notifyQueued || this.listeners.size === 0) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const l of [...this.listeners]) l();
    });
  }

  /** Retained rows after `seq`, oldest first, published or not. */
  after(seq: number, limit: number): StoredEvent[] {
    return this.stmts.after.all(seq, limit) as StoredEvent[];
  }

  /**
   * The retained range: `oldest` is null when no row is retained; `latest` is the highest
   * seq ever stored (0 for a new store). Rows in between are all there: seqs are given in
   * order and pruning takes the oldest.
   */
  bounds(): { oldest: number | null; latest: number } {
    const oldest = (this.stmts.oldestSeq.get() as { s: number | null }).s;
    const latest = (this.stmts.latestSeq.get() as { s: number } | undefined)?.s ?? 0;
    return { oldest, latest };
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
