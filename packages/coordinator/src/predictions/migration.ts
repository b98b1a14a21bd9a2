/**
 * Schema for predictions, to be appended to the coordinator's MIGRATIONS as the next
 * version (never edited once released; add another migration to change it).
 *
 * - `series_buckets`: closed buckets of the downsampled series, written behind once a
 *   minute and pruned past the retention, so a restart keeps the rules' evidence.
 *   WITHOUT ROWID: the primary key is the access path, and rows are small.
 * - `predictions`: every prediction, active or closed; at most one active per rule and
 *   series (partial unique index), closed ones pruned after `keepClosedMs`.
 */
export const PREDICTIONS_MIGRATION_SQL = `
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
`;
