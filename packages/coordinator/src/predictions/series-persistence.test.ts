import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../store/db.js';
import { migrate } from '../store/db.js';
import { SeriesPersistence } from './series-persistence.js';
import { SeriesStore, seriesId } from './series-store.js';

const MIN = 60_000;
const T0 = 1_718_064_000_000;
const id = seriesId({ hostId: 'web-1', service: '', metric: 'disk_percent', instance: '/var' });
let dir: string;
let file: string;

function open(): Db {
  return new Database(file);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-series-'));
  file = join(dir, 'vigil.db');
  const db = open();
  migrate(db);
  db.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rows = (db: Db) => (db.prepare('SELECT COUNT(*) AS n FROM series_buckets').get() as { n: number }).n;

describe('series persistence - write-behind and reload', () => {
  it('writes closed buckets only, and a restart gets the same window back', () => {
    const db = open();
    const store = new SeriesStore();
    const p = new SeriesPersistence(db, store);
    for (let s = 0; s < 10 * 6; s++) store.observe('web-1', '', 'disk_percent', '/var', 50 + s / 10, T0 + s * 10_000);
    // At T0 + 9.5 min the bucket of minute 9 is still open.
    expect(p.flush(T0 + 9.5 * MIN)).toBe(9);
    expect(p.flush(T0 + 9.5 * MIN)).toBe(0);
    expect(p.flush(T0 + 10 * MIN)).toBe(1);
    const before = store.window(id, T0, T0 + 10 * MIN);
    db.close();

    const db2 = open();
    const reloaded = new SeriesStore();
    expect(new SeriesPersistence(db2, reloaded).load(T0 + 11 * MIN)).toBe(10);
    const after = reloaded.window(id, T0, T0 + 10 * MIN);
    expect(after).toHaveLength(10);
    after.forEach((b, i) => {
      expect(b.t).toBe(before[i]!.t);
      expect(b.count).toBe(before[i]!.count);
      expect(b.mean).toBeCloseTo(before[i]!.mean, 4);
      expect(b.min).toBeCloseTo(before[i]!.min, 4);
      expect(b.max).toBeCloseTo(before[i]!.max, 4);
    });
    db2.close();
  });

  it('a reload gives every series its own buckets, whatever order they were written in; a row of an unknown metric is skipped, its neighbours kept', () => {
    const db = open();
    const store = new SeriesStore();
    const p = new SeriesPersistence(db, store);
    const keys = [
      ['web-2', '', 'disk_percent', '/var'],
      ['web-1', 'api', 'memory_percent', ''],
      ['web-1', '', 'disk_percent', '/var'],
      ['web-1', '', 'disk_percent', '/'],
    ] as const;
    // Interleaved in time: minute m of every series, then minute m + 1.
    for (let m = 0; m < 6; m++) keys.forEach(([h, svc, metric, inst], k) => store.observe(h, svc, metric, inst, 10 * k + m, T0 + m * MIN + 1000));
    expect(p.flush(T0 + 6 * MIN)).toBe(24);
    db.prepare("INSERT INTO series_buckets (host_id, service, metric, instance, t, min, mean, max, count) VALUES ('web-1', '', 'no_such_metric', '/var', ?, 1, 1, 1, 1)").run(T0);
    db.close();

    const db2 = open();
    const reloaded = new SeriesStore();
    expect(new SeriesPersistence(db2, reloaded).load(T0 + 7 * MIN)).toBe(24);
    keys.forEach(([hostId, service, metric, instance], k) => {
      const got = reloaded.window(seriesId({ hostId, service, metric, instance }), T0, T0 + 6 * MIN).map((b) => [b.t, b.mean]);
      expect(got, `${hostId} ${service} ${metric} ${instance}`).toEqual(Array.from({ length: 6 }, (_, m) => [T0 + m * MIN, 10 * k + m]));
    });
    db2.close();
  });

  it('writes a large backlog in batches of about maxRows, whole series at a time', () => {
    const db = open();
    const store = new SeriesStore();
    const p = new SeriesPersistence(db, store);
    for (let host = 0; host < 10; host++) for (let m = 0; m < 3; m++) store.observe(`h${host}`, '', 'disk_percent', '/', m, T0 + m * MIN);
    const batches: number[] = [];
    for (let n = p.flush(T0 + 3 * MIN, 7); n > 0; n = p.flush(T0 + 3 * MIN, 7)) batches.push(n);
    expect(batches).toEqual([9, 9, 9, 3]);
    expect(rows(db)).toBe(30);
    db.close();
  });

  it('writes a bucket again when a late observation lands in it', () => {
    const db = open();
    const store = new SeriesStore();
    const p = new SeriesPersistence(db, store);
    store.observe('web-1', '', 'disk_percent', '/var', 10, T0);
    p.flush(T0 + 2 * MIN);
    store.observe('web-1', '', 'disk_percent', '/var', 30, T0 + 30_000);
    expect(p.flush(T0 + 2 * MIN)).toBe(1);
    const row = db.prepare('SELECT mean, count FROM series_buckets').get() as { mean: number; count: number };
    expect(row).toEqual({ mean: 20, count: 2 });
    db.close();
  });

  it('loads only what is inside the retention and prunes older rows', () => {
    const db = open();
    const store = new SeriesStore({ retentionMs: 60 * MIN });
    const p = new SeriesPersistence(db, store, 0);
    for (let m = 0; m < 120; m++) store.observe('web-1', '', 'disk_percent', '/var', m, T0 + m * MIN);
    p.flush(T0 + 120 * MIN);
    expect(rows(db)).toBeLessThanOrEqual(61);
    const fresh = new SeriesStore({ retentionMs: 60 * MIN });
    new SeriesPersistence(db, fresh).load(T0 + 120 * MIN);
    expect(fresh.window(id, T0, T0 + 120 * MIN)[0]!.t).toBeGreaterThanOrEqual(T0 + 60 * MIN);
    db.close();
  });
});
