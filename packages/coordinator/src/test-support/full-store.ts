import type { Db } from '../store/db.js';

/** A number of pages no test reaches: "the disk has room again". */
const ROOMY = 1_073_741_823;

/**
 * Makes the store refuse to grow, as a full disk does: `PRAGMA max_page_count` at the
 * current page count gives SQLITE_FULL ("database or disk is full") for any write that
 * needs a new page. Small rows could still fit the room left in existing pages, so that
 * room is packed first (transitions, silences, and the timelines of `incidentIds`): then
 * every write of the coordinator needs a page and fails, deterministically.
 */
export function fillStore(db: Db, opts: { incidentIds?: readonly string[] } = {}): void {
  db.prepare("INSERT OR IGNORE INTO hosts (id, state, state_since, interval_ms, first_seen) VALUES ('~filler', 'left', 0, 1000, 0)").run();
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  const transition = db.prepare("INSERT INTO transitions (host_id, from_state, to_state, reason, at) VALUES ('~filler', NULL, 'left', ?, 0)");
  pack((pad) => transition.run(pad));
  const silence = db.prepare("INSERT INTO silences (id, starts_at, ends_at, comment, created_by, created_at, expired_at) VALUES ('~' || hex(randomblob(8)), 0, 0, ?, '~', 0, 0)");
  pack((pad) => silence.run(pad));
  const timeline = db.prepare("INSERT INTO incident_timeline (incident_id, at, kind, summary) VALUES (?, 0, 'observation', ?)");
  for (const id of opts.incidentIds ?? []) pack((pad) => timeline.run(id, pad));
}

/** Space returns. */
export function freeStore(db: Db): void {
  db.pragma(`max_page_count = ${ROOMY}`);
}

/** Inserts ever smaller rows until not even an empty one fits. */
function pack(insert: (pad: string) => void): void {
  for (const size of [2000, 200, 20, 0]) {
    try {
      for (let n = 0; n < 100_000; n++) insert('x'.repeat(size));
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_FULL') throw err;
    }
  }
}
