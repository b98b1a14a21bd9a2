import { describe, expect, it } from 'vitest';
import { BYTES_PER_BUCKET, SeriesStore, seriesId } from './series-store.js';

const MIN = 60_000;
const T0 = 1_718_064_000_000; // a minute boundary
const key = { hostId: 'web-1', service: '', metric: 'memory_percent' as const, instance: '' };
const id = seriesId(key);

describe('series store - buckets', () => {
  it('merges observations of one minute into min, mean, max and count', () => {
    const s = new SeriesStore();
    for (const [v, dt] of [[10, 0], [30, 10_000], [20, 59_999]] as const) s.observe('web-1', '', 'memory_percent', '', v, T0 + dt);
    s.observe('web-1', '', 'memory_percent', '', 50, T0 + MIN);
    expect(s.window(id, T0, T0 + 2 * MIN)).toEqual([
      { t: T0, min: 10, mean: 20, max: 30, count: 3 },
      { t: T0 + MIN, min: 50, mean: 50, max: 50, count: 1 },
    ]);
  });

  it('returns only buckets starting in [from, to), oldest first, skipping gaps', () => {
    const s = new SeriesStore();
    for (const m of [0, 1, 4, 5]) s.observe('web-1', '', 'memory_percent', '', m, T0 + m * MIN);
    expect(s.window(id, T0 + MIN, T0 + 5 * MIN).map((b) => b.mean)).toEqual([1, 4]);
    expect(s.lastAt(id)).toBe(T0 + 5 * MIN);
  });

  it('refuses values that are not finite', () => {
    const s = new SeriesStore();
    expect(s.observe('web-1', '', 'memory_percent', '', Number.NaN, T0)).toBe(false);
    expect(s.observe('web-1', '', 'memory_percent', '', Infinity, T0)).toBe(false);
    expect(s.size).toBe(0);
  });
});

describe('series store - bounds', () => {
  it('keeps retention / bucket + 1 buckets: older ones are overwritten and late ones refused', () => {
    const s = new SeriesStore({ retentionMs: 10 * MIN });
    expect(s.capacity).toBe(11);
    for (let m = 0; m < 30; m++) s.observe('web-1', '', 'memory_percent', '', m, T0 + m * MIN);
    const w = s.window(id, T0, T0 + 30 * MIN);
    expect(w.map((b) => b.mean)).toEqual([19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    expect(s.observe('web-1', '', 'memory_percent', '', 1, T0 + 5 * MIN)).toBe(false);
  });

  it('caps the series per host and counts what it drops; other hosts are unaffected', () => {
    const s = new SeriesStore({ maxSeriesPerHost: 2 });
    expect(s.observe('a', '', 'disk_percent', '/', 1, T0)).toBe(true);
    expect(s.observe('a', '', 'disk_percent', '/var', 1, T0)).toBe(true);
    expect(s.observe('a', '', 'disk_percent', '/tmp', 1, T0)).toBe(false);
    expect(s.droppedForCap).toBe(1);
    expect(s.observe('b', '', 'disk_percent', '/tmp', 1, T0)).toBe(true);
    expect(s.seriesOf('a')).toHaveLength(2);
  });

  it('documents its memory: at most 7.2 KB of ring per series at the defaults', () => {
    const s = new SeriesStore();
    expect(s.capacity).toBe(361);
    expect(s.capacity * BYTES_PER_BUCKET).toBeLessThan(7.5 * 1024);
    for (let i = 0; i < 64; i++) s.observe('a', 'svc', 'response_time_ms', `check-${i}`, 1, T0);
    expect(s.approxBytes()).toBeLessThan(500 * 1024);
    expect(s.boundBytes(64)).toBeLessThan(500 * 1024);
  });

  it("tells a host's series apart by service, metric and instance, and finds each again by an equal key", () => {
    const s = new SeriesStore();
    const keys = [
      ['', 'disk_percent', '/'],
      ['', 'inode_percent', '/'],
      ['', 'disk_percent', '/var'],
      ['api', 'memory_percent', ''],
      ['', 'memory_percent', ''],
    ] as const;
    for (const [service, metric, instance] of keys) s.observe('a', service, metric, instance, 1, T0);
    expect(s.size).toBe(5);
    // Keys built afresh (as a decoded heartbeat's are) land on the same rings.
    for (const [service, metric, instance] of keys) s.observe('a', `${service}`, metric, [...instance].join(''), 3, T0 + 1);
    expect(s.size).toBe(5);
    for (const [service, metric, instance] of keys) {
      const ring = s.get(seriesId({ hostId: 'a', service, metric, instance }))!;
      expect(ring.key).toEqual({ hostId: 'a', service, metric, instance });
      expect(s.window(ring.id, T0, T0 + MIN).map((b) => b.count)).toEqual([2]);
    }
  });

  it("keeps a host's list of series true after a sweep removed some of them", () => {
    const s = new SeriesStore({ retentionMs: 60 * MIN, maxSeriesPerHost: 2 });
    s.observe('a', '', 'disk_percent', '/', 1, T0);
    s.observe('a', '', 'disk_percent', '/var', 1, T0 + 90 * MIN);
    expect(s.sweep(T0 + 90 * MIN)).toBe(1);
    expect(s.seriesOf('a').map((r) => r.key.instance)).toEqual(['/var']);
    // The swept series no longer counts against the cap, and can come back.
    expect(s.observe('a', '', 'disk_percent', '/tmp', 1, T0 + 90 * MIN)).toBe(true);
    expect(s.observe('a', '', 'disk_percent', '/', 1, T0 + 90 * MIN)).toBe(false);
    expect(s.droppedForCap).toBe(1);
  });

  it('sweeps series with nothing left inside the retention, and forgets hosts', () => {
    const s = new SeriesStore({ retentionMs: 60 * MIN });
    s.observe('a', '', 'memory_percent', '', 1, T0);
    s.observe('b', '', 'memory_percent', '', 1, T0 + 90 * MIN);
    expect(s.sweep(T0 + 90 * MIN)).toBe(1);
    expect(s.seriesOf('a')).toHaveLength(0);
    s.forgetHost('b');
    expect(s.size).toBe(0);
  });
});
