import type { Db } from '../store/db.js';
import type { SeriesRing, SeriesStore } from './series-store.js';
import { METRIC_NAMES, type MetricName } from './types.js';

interface BucketRow {
  host_id: string;
  service: string;
  metric: string;
  instance: string;
  t: number;
  min: number;
  mean: number;
  max: number;
  count: number;
}

/** A row of the load query, as an array (host_id, service, metric, instance, t, min, mean, max, count). */
type LoadRow = [string, string, string, string, number, number, number, number, number];

/**
 * Write-behind of closed buckets to `series_buckets`, so the rules keep their evidence
 * across a coordinator restart. Only closed buckets are written (the open one is still
 * changing); a restart loses at most the open bucket and the ones since the last flush.
 */
export class SeriesPersistence {
  private readonly stmts;
  private readonly writeBatch: (rows: BucketRow[]) => void;
  private lastPrune = 0;

  constructor(
    db: Db,
    private readonly store: SeriesStore,
    /** How often old rows are deleted, in ms. @default 10 min */
    private readonly pruneEveryMs = 600_000,
  ) {
    this.stmts = {
      upsert: db.prepare(
        'INSERT OR REPLACE INTO series_buckets (host_id, service, metric, instance, t, min, mean, max, count) VALUES (@host_id, @service, @metric, @instance, @t, @min, @mean, @max, @count)',
      ),
      // In the primary key's order, as arrays: each series' buckets come together and in
      // time order, read straight off the table (the index on t sent every row back to the
      // table), and no object per row. At 10,000 hosts this was the largest part of a start.
      load: db
        .prepare('SELECT host_id, service, metric, instance, t, min, mean, max, count FROM series_buckets NOT INDEXED WHERE t >= ? ORDER BY host_id, service, metric, instance, t')
        .raw(true),
      prune: db.prepare('DELETE FROM series_buckets WHERE t < ?'),
      deleteHost: db.prepare('DELETE FROM series_buckets WHERE host_id = ?'),
    };
    this.writeBatch = db.transaction((rows: BucketRow[]) => {
      for (const r of rows) this.stmts.upsert.run(r);
    });
  }

  /** Loads the buckets inside the retention into the store; returns how many. */
  load(now: number): number {
    const from = now - this.store.opts.retentionMs;
    const rows = this.stmts.load.all(from) as LoadRow[];
    let loaded = 0;
    // The series of the row before: consecutive rows are mostly the same one.
    let ring: SeriesRing | undefined;
    let at: LoadRow | undefined;
    for (const r of rows) {
      const [hostId, service, metric, instance, t, min, mean, max, count] = r;
      if (at === undefined || hostId !== at[0] || service !== at[1] || metric !== at[2] || instance !== at[3]) {
        at = r;
        ring = METRIC_NAMES.includes(metric as MetricName) ? this.store.ringFor({ hostId, service, metric: metric as MetricName, instance }) : undefined;
      }
      if (!ring) continue;
      const bi = this.store.bucketIndex(t);
      ring.put(bi, { min, mean, max, count });
      ring.flushedThrough = Math.max(ring.flushedThrough, bi);
      loaded++;
    }
    return loaded;
  }

  /**
   * Writes the closed buckets not yet written, in one transaction, and returns how many.
   * At most about `maxRows` (whole series at a time): a caller that gets `maxRows` or more
   * back calls again, so a large fleet is written in several short transactions, not one
   * long block of the event loop.
   */
  flush(now: number, maxRows = Infinity): number {
    const open = this.store.bucketIndex(now);
    const rows: BucketRow[] = [];
    // Marked written only once the transaction committed: a batch the store refuses
    // (disk full) is written by a later flush, not lost.
    const written: [SeriesRing, number][] = [];
    for (const ring of this.store.series()) {
      const last = Math.min(ring.newest, open - 1);
      const first = Math.max(ring.flushedThrough + 1, ring.newest - ring.capacity + 1);
      if (first > last) continue;
      if (rows.length >= maxRows) break;
      for (let bi = first; bi <= last; bi++) {
        const b = ring.bucket(bi, this.store.opts.bucketMs);
        if (!b) continue;
        rows.push({ host_id: ring.key.hostId, service: ring.key.service, metric: ring.key.metric, instance: ring.key.instance, ...b });
      }
      written.push([ring, last]);
    }
    if (rows.length > 0) this.writeBatch(rows);
    for (const [ring, last] of written) ring.flushedThrough = last;
    if (now - this.lastPrune >= this.pruneEveryMs) {
      this.stmts.prune.run(now - this.store.opts.retentionMs);
      this.lastPrune = now;
    }
    return rows.length;
  }

  forgetHost(hostId: string): void {
    this.stmts.deleteHost.run(hostId);
  }
}
