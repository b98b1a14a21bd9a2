import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { VigilError } from '@vigil/shared';

/**
 * The store file is damaged or is not a SQLite database. Starting anyway would serve an
 * empty fleet (or half of one) as if it were the truth, so the coordinator refuses to start
 * and the command exits 2, like any other configuration the operator must fix.
 */
export class StoreIntegrityError extends VigilError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(
      'INTERNAL',
      `store ${file} ${problem}; the coordinator will not start over it. ` +
        `Restore it from a backup, or move it away (e.g. mv ${file} ${file}.damaged, with its -wal and -shm files) ` +
        `to start with an empty store`,
    );
    this.name = 'StoreIntegrityError';
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Checks an existing file looks like a SQLite database before SQLite opens it: SQLite
 * treats a 0-byte file as a new empty database and would quietly start over it.
 * Returns 'missing' when there is no file (a fresh start).
 */
export function checkStoreHeader(file: string): 'missing' | 'present' {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  if (size === 0) throw new StoreIntegrityError(file, 'is empty (0 bytes)');
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_MAGIC)) throw new StoreIntegrityError(file, 'is not a SQLite database (bad header)');
  return 'present';
}
