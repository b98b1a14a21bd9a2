/** Schema changes, applied in order once each; never edit a released one, add a new one. */
export const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE hosts (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        state_since INTEGER NOT NULL,
        hostname TEXT NOT NULL DEFAULT '',
        agent_version TEXT NOT NULL DEFAULT '',
        os TEXT,
        labels TEXT NOT NULL DEFAULT '{}',
        services TEXT NOT NULL DEFAULT '[]',
        capabilities TEXT NOT NULL DEFAULT '[]',
        interval_ms INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER,
        last_seq INTEGER NOT NULL DEFAULT 0,
        agent_started_at INTEGER,
        latest_sample TEXT,
        sample_at INTEGER
      );
      CREATE TABLE transitions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        from_state TEXT,
        to_state TEXT NOT NULL,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX transitions_host ON transitions(host_id, id);
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        subject TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        published_at INTEGER
      );
      CREATE INDEX outbox_pending ON outbox(seq) WHERE published_at IS NULL;
    `,
  },
];
