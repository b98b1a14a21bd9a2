import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb } from './db.js';
import { StoreIntegrityError } from './store-integrity.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function expectRefused(path: string, problem: RegExp): void {
  let caught: unknown;
  try {
    openDb(dir).close();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(StoreIntegrityError);
  const err = caught as StoreIntegrityError;
  expect(err.file).toBe(path);
  expect(err.problem).toMatch(problem);
  expect(err.message).toContain(path);
  expect(err.message).toMatch(/backup/);
  expect(err.message).toMatch(/move it away/);
}

describe('openDb integrity check', () => {
  it('a missing file is a fresh start, logged as a new store', () => {
    const lines: unknown[] = [];
    const db = openDb(dir, 'vigil.db', { log: { info: (...a: unknown[]) => lines.push(a) } as never });
    db.close();
    expect(existsSync(join(dir, 'vigil.db'))).toBe(true);
    expect(lines).toEqual([[{ file: join(dir, 'vigil.db') }, 'new store']]);
  });

  it('a good store opens, keeps its rows and is not logged as new', () => {
    const first = openDb(dir);
    first.exec("CREATE TABLE keep (id TEXT PRIMARY KEY); INSERT INTO keep VALUES ('web-1')");
    first.close();
    const lines: unknown[] = [];
    const db = openDb(dir, 'vigil.db', { log: { info: (...a: unknown[]) => lines.push(a) } as never });
    expect(db.prepare('SELECT id FROM keep').all()).toEqual([{ id: 'web-1' }]);
    db.close();
    expect(lines).toEqual([]);
  });

  it('refuses a 0-byte file instead of starting empty over it', () => {
    const path = join(dir, 'vigil.db');
    writeFileSync(path, '');
    expectRefused(path, /empty \(0 bytes\)/);
    expect(statSync(path).size).toBe(0);
  });

  it('refuses a file of random bytes', () => {
    const path = join(dir, 'vigil.db');
    const junk = randomBytes(64 * 1024);
    writeFileSync(path, junk);
    expectRefused(path, /not a SQLite database/);
    expect(statSync(path).size).toBe(junk.length);
  });

  it('refuses a store whose index page was overwritten', () => {
    const path = join(dir, 'vigil.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL); CREATE INDEX t_name ON t (name);');
    const add = raw.prepare('INSERT INTO t (name) VALUES (?)');
    raw.transaction(() => {
      for (let i = 0; i < 5000; i++) add.run(`host-${i.toString().padStart(6, '0')}-${'x'.repeat(40)}`);
    })();
    const pageSize = raw.pragma('page_size', { simple: true }) as number;
    const { rootpage } = raw.prepare("SELECT rootpage FROM sqlite_master WHERE name = 't_name'").get() as { rootpage: number };
    raw.close();
    // The index's root page sits in the middle of the file (the table's pages before and
    // after it): overwrite it, as a torn write or a bad sector would.
    expect(rootpage).toBeGreaterThan(2);
    expect(statSync(path).size).toBeGreaterThan(rootpage * pageSize);
    const fd = openSync(path, 'r+');
    writeSync(fd, randomBytes(pageSize), 0, pageSize, (rootpage - 1) * pageSize);
    closeSync(fd);
    expectRefused(path, /damaged|integrity check/);
  });
});
