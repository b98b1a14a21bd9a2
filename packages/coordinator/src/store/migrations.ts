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
  {
    version: 2,
    sql: `
      ALTER TABLE hosts ADD COLUMN last_event_seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE hosts ADD COLUMN service_status TEXT NOT NULL DEFAULT '[]';
      CREATE TABLE agent_events (
        host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        event_seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        service TEXT NOT NULL,
        type TEXT NOT NULL,
        step TEXT NOT NULL,
        detail TEXT NOT NULL,
        cause TEXT NOT NULL,
        request_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (host_id, event_seq)
      );
      CREATE TABLE log_findings (
        host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        service TEXT NOT NULL,
        cause TEXT NOT NULL,
        source TEXT NOT NULL,
        excerpt TEXT NOT NULL,
        count INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        skipped_lines INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (host_id, service, cause, source)
      );
    `,
  },
  {
    version: 3,
    sql: `
      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        host_id TEXT NOT NULL,
        service TEXT NOT NULL DEFAULT '',
        class TEXT NOT NULL,
        state TEXT NOT NULL,
        level INTEGER NOT NULL,
        confidence REAL NOT NULL,
        summary TEXT NOT NULL,
        root_cause TEXT,
        diagnosis TEXT,
        opened_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        acknowledged_at INTEGER,
        acknowledged_by TEXT,
        resolved_at INTEGER,
        resolved_by TEXT,
        resolution TEXT,
        next_escalation_at INTEGER,
        clear_since INTEGER,
        parent_id TEXT,
        prediction_id TEXT
      );
      CREATE UNIQUE INDEX incidents_active ON incidents(host_id, service, class) WHERE state != 'resolved';
      CREATE INDEX incidents_due ON incidents(next_escalation_at) WHERE state = 'open';
      CREATE INDEX incidents_host ON incidents(host_id, state);
      CREATE TABLE incident_timeline (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        summary TEXT NOT NULL,
        data TEXT
      );
      CREATE INDEX timeline_incident ON incident_timeline(incident_id, id);
      CREATE TABLE silences (
        id TEXT PRIMARY KEY,
        host_id TEXT,
        service TEXT,
        class TEXT,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        comment TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expired_at INTEGER
      );
    `,
  },
  {
    version: 4,
    sql: `ALTER TABLE hosts ADD COLUMN address TEXT;`,
  },
  {
    version: 5,
    sql: `
      ALTER TABLE log_findings ADD COLUMN diagnosis TEXT NOT NULL DEFAULT '';
      ALTER TABLE log_findings ADD COLUMN fix TEXT NOT NULL DEFAULT '';
      ALTER TABLE log_findings ADD COLUMN prevention TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    // Predictions (packages/coordinator/src/predictions): downsampled series and predictions.
    version: 6,
    sql: `
  CREATE TABLE series_buckets (
    host_id TEXT NOT NULL,
    service TEXT NOT NULL,
    metric TEXT NOT NULL,
    instance TEXT NOT NULL,
    t INTEGER NOT NULL,
    min REAL NOT NULL,
    mean REAL NOT NULL,
    max REAL NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (host_id, service, metric, instance, t)
  ) WITHOUT ROWID;
  CREATE INDEX series_buckets_t ON series_buckets(t);
  CREATE TABLE predictions (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    host_id TEXT NOT NULL,
    service TEXT NOT NULL DEFAULT '',
    metric TEXT NOT NULL,
    instance TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    raised_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expired_at INTEGER,
    expiry_reason TEXT,
    came_true_at INTEGER,
    incident_id TEXT,
    predicted_failure_at INTEGER,
    confidence REAL NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE UNIQUE INDEX predictions_active ON predictions(rule, host_id, service, metric, instance) WHERE state = 'active';
  CREATE INDEX predictions_host ON predictions(host_id, state);
  CREATE INDEX predictions_closed ON predictions(updated_at) WHERE state != 'active';
`,
  },
  {
    // Incidents (packages/coordinator/src/incidents): the subject's kind is stored with the
    // row instead of being read from a host-id prefix; flap detection keeps the recent
    // condition changes; children are looked up by parent.
    version: 7,
    sql: `
  ALTER TABLE incidents ADD COLUMN subject_kind TEXT NOT NULL DEFAULT 'host';
  UPDATE incidents SET subject_kind = CASE
    WHEN host_id LIKE 'zone:%' THEN 'zone'
    WHEN host_id LIKE 'coordinator:%' THEN 'observer'
    WHEN service != '' THEN 'service'
    ELSE 'host' END;
  ALTER TABLE incidents ADD COLUMN flapping INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE incidents ADD COLUMN condition_changes TEXT NOT NULL DEFAULT '[]';
  CREATE INDEX incidents_parent ON incidents(parent_id) WHERE parent_id IS NOT NULL;
`,
  },
  {
    // A successful recovery's time to serving and time to verified (AgentEvent fields 20, 21).
    version: 8,
    sql: `
      ALTER TABLE agent_events ADD COLUMN time_to_serving_ms INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE agent_events ADD COLUMN time_to_verified_ms INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    // The agent's sshPort setting from Hello (NULL: the fleet default; 0: no SSH to judge),
    // so a host diagnosed before its agent reconnects after a coordinator restart keeps it.
    version: 9,
    sql: `ALTER TABLE hosts ADD COLUMN ssh_port INTEGER;`,
  },
  {
    // Event epochs (Hello.event_epoch): an agent's event sequence numbers count within its
    // journal's epoch, so events are keyed by (host, epoch, seq) and a new journal's seq
    // 1.. is stored, not taken for a replay. Rows from before are epoch ''. SQLite cannot
    // change a primary key in place: the table is copied. Gaps in an epoch's sequence
    // (events that never arrived) are recorded beside it.
    version: 10,
    sql: `
      ALTER TABLE hosts ADD COLUMN event_epoch TEXT NOT NULL DEFAULT '';
      CREATE TABLE agent_events_v10 (
        host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        epoch TEXT NOT NULL DEFAULT '',
        event_seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        service TEXT NOT NULL,
        type TEXT NOT NULL,
        step TEXT NOT NULL,
        detail TEXT NOT NULL,
        cause TEXT NOT NULL,
        request_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        time_to_serving_ms INTEGER NOT NULL DEFAULT 0,
        time_to_verified_ms INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (host_id, epoch, event_seq)
      );
      INSERT INTO agent_events_v10 (host_id, epoch, event_seq, at, service, type, step, detail, cause, request_id, received_at, time_to_serving_ms, time_to_verified_ms)
        SELECT host_id, '', event_seq, at, service, type, step, detail, cause, request_id, received_at, time_to_serving_ms, time_to_verified_ms
        FROM agent_events ORDER BY host_id, event_seq;
      DROP TABLE agent_events;
      ALTER TABLE agent_events_v10 RENAME TO agent_events;
      CREATE TABLE agent_event_gaps (
        host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        epoch TEXT NOT NULL,
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL,
        detected_at INTEGER NOT NULL,
        PRIMARY KEY (host_id, epoch, from_seq)
      );
    `,
  },
  {
    // hosts.last_event_seq and hosts.event_epoch copied what agent_events already holds
    // (the newest number of an epoch is MAX(event_seq) on its primary key) and cost a
    // write per event; nothing read them.
    version: 11,
    sql: `
      ALTER TABLE hosts DROP COLUMN last_event_seq;
      ALTER TABLE hosts DROP COLUMN event_epoch;
    `,
  },
];
