import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from './db.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-db-modes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const modeOf = (p: string) => statSync(p).mode & 0o777;

describe('db files - readable by the coordinator user only', () => {
  it('creates the data dir 0700 and vigil.db, its -wal and -shm 0600', () => {
    const dir = join(root, 'fresh', 'data');
    const tightened: string[] = [];
    const db = openDb(dir, undefined, { onTightened: (p) => tightened.push(p) });
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    expect(modeOf(dir)).toBe(0o700);
    for (const f of ['vigil.db', 'vigil.db-wal', 'vigil.db-shm']) expect(modeOf(join(dir, f)), f).toBe(0o600);
    db.close();
    expect(tightened).toEqual([]);
  });

  it('tightens an existing 0755 dir and 0644 files and reports each', () => {
    const dir = join(root, 'old');
    const first = openDb(dir);
    first.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    chmodSync(dir, 0o755);
    for (const f of ['vigil.db', 'vigil.db-wal', 'vigil.db-shm']) chmodSync(join(dir, f), 0o644);
    const tightened: [string, number, number][] = [];
    const db = openDb(dir, undefined, { onTightened: (p, from, to) => tightened.push([p, from, to]) });
    expect(modeOf(dir)).toBe(0o700);
    for (const f of ['vigil.db', 'vigil.db-wal', 'vigil.db-shm']) expect(modeOf(join(dir, f)), f).toBe(0o600);
    expect(tightened).toEqual([
      [dir, 0o755, 0o700],
      [join(dir, 'vigil.db'), 0o644, 0o600],
      [join(dir, 'vigil.db-wal'), 0o644, 0o600],
      [join(dir, 'vigil.db-shm'), 0o644, 0o600],
    ]);
    db.close();
    first.close();
  });
});
