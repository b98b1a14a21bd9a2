import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ensurePrivateDir } from '@vigil/shared';

/**
 * What a delivery record says. `sending` is written before the first attempt and means
 * "outcome unknown" if found after a restart: the page may or may not have reached the
 * receiver, so it is sent again with the same delivery id. `delivered` and `failed` are
 * final: a redelivered event finds them and sends nothing. `held` is a page kept back by
 * the receiver's rate limit: it goes out in the next summary and then becomes `delivered`.
 */
export type DeliveryStatus = 'sending' | 'delivered' | 'failed' | 'held';

/**
 * One page, acknowledgement or resolution to one receiver: `L2`, `L3`, `acknowledge`,
 * `resolve`; after the incident was reopened `n` times, with `@n` (`L3@1`, `resolve@1`).
 */
export interface DeliveryKey {
  incidentId: string;
  action: string;
  receiver: string;
}

export interface DeliveryRecord extends DeliveryKey {
  level: number;
  status: DeliveryStatus;
  attempts: number;
  eventId: string;
  updatedAt: number;
  error: string | null;
  /** Why a `held` page waits: `rate` (the rate limit) or `zone:<zone>` (grouping). */
  hold?: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  incident_id TEXT NOT NULL,
  action TEXT NOT NULL,
  receiver TEXT NOT NULL,
  level INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('sending', 'delivered', 'failed', 'held')),
  attempts INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  error TEXT,
  hold TEXT,
  PRIMARY KEY (incident_id, action, receiver)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resolutions (
  incident_id TEXT NOT NULL,
  stream_seq INTEGER NOT NULL,
  PRIMARY KEY (incident_id, stream_seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS host_labels (
  host_id TEXT PRIMARY KEY,
  labels TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * vigil-notify's own SQLite file: one row per (incident, action, receiver). WAL mode with
 * synchronous=NORMAL, as the coordinator's store: every committed row survives a crash of
 * this process (kill -9 included); a power loss can take the last rows, and then those
 * pages are sent again with the same delivery id. FULL would add an fsync to each of the
 * two writes per delivery, and the time between a receiver's answer and its record is
 * exactly the window in which a crash repeats a page.
 */
export class DeliveryStore {
  private readonly db: Database.Database;
  private readonly getStmt;
  private readonly putStmt;
  private readonly pagedStmt;
  private readonly recentStmt;
  private readonly heldStmt;
  private readonly heldReceiversStmt;
  private readonly labelsGet;
  private readonly labelsPut;
  private readonly resolvedPut;
  private readonly episodeGet;

  constructor(dataDir: string) {
    ensurePrivateDir(dataDir);
    this.db = new Database(join(dataDir, 'notify.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.getStmt = this.db.prepare('SELECT * FROM deliveries WHERE incident_id = ? AND action = ? AND receiver = ?');
    this.putStmt = this.db.prepare(
      `INSERT INTO deliveries (incident_id, action, receiver, level, status, attempts, event_id, updated_at, error, hold)
       VALUES (@incidentId, @action, @receiver, @level, @status, @attempts, @eventId, @updatedAt, @error, @hold)
       ON CONFLICT (incident_id, action, receiver) DO UPDATE SET
         level = excluded.level, status = excluded.status, attempts = excluded.attempts, event_id = excluded.event_id, updated_at = excluded.updated_at, error = excluded.error, hold = excluded.hold`,
    );
    this.pagedStmt = this.db.prepare("SELECT receiver, level, action FROM deliveries WHERE incident_id = ? AND action LIKE 'L%' AND status IN ('delivered', 'sending', 'held') ORDER BY level");
    this.recentStmt = this.db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE receiver = ? AND action LIKE 'L%' AND status IN ('delivered', 'sending') AND updated_at > ?");
    this.heldStmt = this.db.prepare("SELECT * FROM deliveries WHERE receiver = ? AND hold = ? AND status = 'held' ORDER BY updated_at");
    this.heldReceiversStmt = this.db.prepare("SELECT DISTINCT receiver, hold FROM deliveries WHERE status = 'held'");
    this.resolvedPut = this.db.prepare('INSERT OR IGNORE INTO resolutions (incident_id, stream_seq) VALUES (?, ?)');
    this.episodeGet = this.db.prepare('SELECT COUNT(*) AS n FROM resolutions WHERE incident_id = ? AND stream_seq < ?');
    this.labelsGet = this.db.prepare('SELECT labels FROM host_labels WHERE host_id = ?');
    this.labelsPut = this.db.prepare('INSERT INTO host_labels (host_id, labels, updated_at) VALUES (?, ?, ?) ON CONFLICT (host_id) DO UPDATE SET labels = excluded.labels, updated_at = excluded.updated_at');
  }

  get(k: DeliveryKey): DeliveryRecord | undefined {
    const r = this.getStmt.get(k.incidentId, k.action, k.receiver) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Pages to `receiver` delivered (or under way) since `since`: what its rate limit counts. */
  pagesSince(receiver: string, since: number): number {
    return (this.recentStmt.get(receiver, since) as { n: number }).n;
  }

  /** Pages of `receiver` held for `hold` (`rate`, `zone:<zone>`), oldest first. */
  held(receiver: string, hold: string): DeliveryRecord[] {
    return (this.heldStmt.all(receiver, hold) as Row[]).map(fromRow);
  }

  heldGroups(): { receiver: string; hold: string }[] {
    return this.heldReceiversStmt.all() as { receiver: string; hold: string }[];
  }

  put(r: DeliveryRecord): void {
    this.putStmt.run({ ...r, hold: r.hold ?? null });
  }

  /**
   * The receivers paged for an incident in one episode (or possibly paged: outcome
   * unknown), with their levels.
   */
  paged(incidentId: string, episode = 0): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const r of this.pagedStmt.all(incidentId) as { receiver: string; level: number; action: string }[]) {
      if (splitAction(r.action).episode !== episode) continue;
      const levels = out.get(r.receiver) ?? [];
      levels.push(r.level);
      out.set(r.receiver, levels);
    }
    return out;
  }

  /**
   * A resolution of the incident read at this stream position. Kept by position so that
   * a resolution handed out again is counted once, and an older event handed out again
   * after it still belongs to the episode before it.
   */
  recordResolution(incidentId: string, streamSeq: number): void {
    this.resolvedPut.run(incidentId, streamSeq);
  }

  /**
   * Which episode of the incident an event at `streamSeq` belongs to: 0 until its first
   * resolution, then one more after each. A resolved incident only has events again when
   * a person reopened it, and a reopened incident is live again: its pages are new.
   */
  episode(incidentId: string, streamSeq: number): number {
    return (this.episodeGet.get(incidentId, streamSeq) as { n: number }).n;
  }

  labels(hostId: string): Record<string, string> {
    const r = this.labelsGet.get(hostId) as { labels: string } | undefined;
    return r ? (JSON.parse(r.labels) as Record<string, string>) : {};
  }

  setLabels(hostId: string, labels: Record<string, string>, at: number): void {
    this.labelsPut.run(hostId, JSON.stringify(labels), at);
  }

  counts(): Record<DeliveryStatus, number> {
    const out: Record<DeliveryStatus, number> = { sending: 0, delivered: 0, failed: 0, held: 0 };
    for (const r of this.db.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status').all() as { status: DeliveryStatus; n: number }[]) out[r.status] = r.n;
    return out;
  }

  close(): void {
    this.db.close();
  }
}

/** `L3@2` → `L3` in episode 2; `resolve` → `resolve` in episode 0. */
export function splitAction(action: string): { base: string; episode: number } {
  const at = action.lastIndexOf('@');
  return at < 0 ? { base: action, episode: 0 } : { base: action.slice(0, at), episode: Number(action.slice(at + 1)) };
}

/** The stored action of `base` in `episode`: the first episode keeps the plain name. */
export function episodeAction(base: string, episode: number): string {
  return episode === 0 ? base : `${base}@${episode}`;
}

interface Row {
  incident_id: string;
  action: string;
  receiver: string;
  level: number;
  status: DeliveryStatus;
  attempts: number;
  event_id: string;
  updated_at: number;
  error: string | null;
  hold: string | null;
}

function fromRow(r: Row): DeliveryRecord {
  return { incidentId: r.incident_id, action: r.action, receiver: r.receiver, level: r.level, status: r.status, attempts: r.attempts, eventId: r.event_id, updatedAt: r.updated_at, error: r.error, hold: r.hold };
}
