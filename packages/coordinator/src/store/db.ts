import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ensurePrivateDir, type Logger, type OnTightened, tightenMode } from '@vigil/shared';
import { MIGRATIONS } from './migrations.js';
import { checkStoreHeader, StoreIntegrityError } from './store-integrity.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the coordinator's SQLite file in WAL mode and applies the
 * migrations it has not seen. synchronous=NORMAL in WAL keeps every committed transaction
 * across a process crash; only a power loss can take the last few.
 *
 * An existing file must be a sound SQLite database (header, then `PRAGMA quick_check`);
 * otherwise this throws StoreIntegrityError rather than start with an empty or partial
 * fleet. Only a missing file is a fresh start.
 */
export interface OpenDbOptions {
  /** Where "new store" and an exclusive open on a full disk are said. */
  log?: Pick<Logger, 'info' | 'warn'>;
  /** Told of each looser directory or file made private (0700 / 0600). */
  onTightened?: OnTightened;
}

export function openDb(dataDir: string, file = 'vigil.db', opts: OpenDbOptions = {}): Db {
  // Incidents and inventory are for the coordinator's user only: the directory is 0700 and
  // the database files 0600. SQLite creates the -wal and -shm files with the database
  // file's mode, so the database file is tightened before WAL mode makes them.
  ensurePrivateDir(dataDir, opts.onTightened);
  const path = join(dataDir, file);
  const existed = checkStoreHeader(path) === 'present';
  let db = new Database(path);
  try {
    // A file SQLite just created is 0644 by its default: tightened quietly; an old one is reported.
    tightenMode(path, 0o600, existed ? opts.onTightened : undefined);
    for (const extra of ['-wal', '-shm']) tightenMode(path + extra, 0o600, opts.onTightened);
    db = enterWal(db, path, opts.log);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (existed) quickCheck(db, path);
    else opts.log?.info({ file: path }, 'new store');
    migrate(db);
  } catch (err) {
    db.close();
    if (err instanceof StoreIntegrityError) throw err;
    // SQLITE_CORRUPT / SQLITE_NOTADB from any step above mean the same: a damaged file.
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
      throw new StoreIntegrityError(path, `is damaged (${(err as Error).message})`);
    }
    throw err;
  }
  return db;
}

/**
 * Switches to WAL. WAL's shared-memory index is a file (-shm) that a clean stop deletes and
 * the next open must create and grow: on a full disk that fails (SQLITE_IOERR_SHMSIZE) and
 * the coordinator could not start at all, when it should start degraded and detect from
 * memory. In exclusive locking mode SQLite keeps that index on the heap instead, so the
 * open is retried that way. The cost: no other process can read the file (sqlite3, a
 * backup) until the coordinator restarts with space; that is said once, as a warning.
 */
function enterWal(db: Db, path: string, log: OpenDbOptions['log']): Db {
  try {
    db.pragma('journal_mode = WAL');
    return db;
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (!DISK_FULL_CODES.has(code)) throw err;
    db.close();
    const exclusive = new Database(path);
    try {
      exclusive.pragma('locking_mode = EXCLUSIVE');
      exclusive.pragma('journal_mode = WAL');
    } catch (again) {
      exclusive.close();
      throw again;
    }
    log?.warn(
      { file: path, code },
      'the disk is full: the store is opened in exclusive mode (its WAL index in memory); no other process can read it until the coordinator restarts with space',
    );
    return exclusive;
  }
}

/** What SQLite says when the -shm file cannot be made or grown for want of space. */
const DISK_FULL_CODES = new Set(['SQLITE_FULL', 'SQLITE_IOERR_SHMSIZE', 'SQLITE_IOERR_SHMMAP', 'SQLITE_IOERR_SHMOPEN', 'SQLITE_IOERR_WRITE']);

/** quick_check reads every page and index (without cross-checking index contents). */
function quickCheck(db: Db, path: string): void {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? ` (+${problems.length - 3} more)` : '');
    throw new StoreIntegrityError(path, `failed its integrity check (${shown})`);
  }
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
