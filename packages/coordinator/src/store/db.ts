import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, type OnTightened, tightenMode } from '@vigil/shared';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the coordinator's SQLite file in WAL mode and applies the
 * migrations it has not seen. synchronous=NORMAL in WAL keeps every committed transaction
 * across a process crash; only a power loss can take the last few.
 */
export function openDb(dataDir: string, file = 'vigil.db', onTightened?: OnTightened): Db {
  // Incidents and inventory are for the coordinator's user only: the directory is 0700 and
  // the database files 0600. SQLite creates the -wal and -shm files with the database
  // file's mode, so the database file is tightened before WAL mode makes them.
  ensurePrivateDir(dataDir, onTightened);
  const path = join(dataDir, file);
  const existed = existsSync(path);
  const db = new Database(path);
  // A file SQLite just created is 0644 by its default: tightened quietly; an old one is reported.
  tightenMode(path, 0o600, existed ? onTightened : undefined);
  for (const extra of ['-wal', '-shm']) tightenMode(path + extra, 0o600, onTightened);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  let version = row?.version ?? 0;
  if (!row) db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
  for (const m of MIGRATIONS) {
    if (m.version <= version) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('UPDATE schema_version SET version = ?').run(m.version);
    })();
    version = m.version;
  }
}
