import { describe, expect, it } from 'vitest';
import type { ValidResourceSample, ValidServiceStatus } from '@vigil/shared';
import { HeartbeatFeed, type HeartbeatSample } from './heartbeat-feed.js';
import { SeriesStore, seriesId } from './series-store.js';
import type { MetricName } from './types.js';

const T0 = 1_718_064_000_000;
const GB = 1024 ** 3;

function mean(store: SeriesStore, hostId: string, service: string, metric: MetricName, instance: string): number | undefined {
  return store.window(seriesId({ hostId, service, metric, instance }), T0, T0 + 60_000)[0]?.mean;
}

// The registry's heartbeat event carries these types; the feed takes them as they are (checked by tsc).
const fromRegistry = (latestSample: ValidResourceSample | null, serviceStatus: ValidServiceStatus[]): HeartbeatSample => ({ resources: latestSample, services: serviceStatus });

describe('heartbeat feed - what becomes a series', () => {
  const sample = {
    resources: {
      takenAtMs: 1,
      memory: { totalBytes: 8 * GB, usedBytes: 2 * GB },
      filesystems: [
        { mount: '/', sizeBytes: 100 * GB, usedBytes: 25 * GB, inodesTotal: 1000, inodesUsed: 900 },
        { mount: '/proc', sizeBytes: 0, usedBytes: 0, inodesTotal: 0, inodesUsed: 0 },
        { mount: '/btrfs', sizeBytes: 10 * GB, usedBytes: 5 * GB, inodesTotal: 0, inodesUsed: 0 },
      ],
    },
    services: [
      {
        name: 'api',
        checks: [
          { name: 'health', type: 'http', responseMs: 120, status: 'passing' },
          { name: 'port', type: 'tcp', responseMs: 3, status: 'passing' },
          { name: 'slow', type: 'http', responseMs: 0, status: 'failing' },
          { name: 'later', type: 'http', responseMs: 10, status: 'pending' },
        ],
        errorRate: { requests: 200, errors: 3, rate: 0.015 },
        memoryBytes: 1 * GB,
      },
      { name: 'idle', checks: [], errorRate: { requests: 0, errors: 0, rate: 0 }, memoryPercent: 3 },
    ],
  };

  it('records host memory, disk and inode use as percentages, per mount', () => {
    const store = new SeriesStore();
    new HeartbeatFeed(store).observe('web-1', T0, sample);
    expect(mean(store, 'web-1', '', 'memory_percent', '')).toBe(25);
    expect(mean(store, 'web-1', '', 'disk_percent', '/')).toBe(25);
    expect(mean(store, 'web-1', '', 'inode_percent', '/')).toBe(90);
    expect(mean(store, 'web-1', '', 'disk_percent', '/btrfs')).toBe(50);
    // No size or no inodes: nothing to project.
    expect(mean(store, 'web-1', '', 'disk_percent', '/proc')).toBeUndefined();
    expect(mean(store, 'web-1', '', 'inode_percent', '/btrfs')).toBeUndefined();
  });

  it('records timed HTTP checks per check, error rates with traffic, and service memory', () => {
    const store = new SeriesStore();
    new HeartbeatFeed(store).observe('web-1', T0, sample);
    expect(mean(store, 'web-1', 'api', 'response_time_ms', 'health')).toBe(120);
    expect(mean(store, 'web-1', 'api', 'response_time_ms', 'port')).toBeUndefined();
    expect(mean(store, 'web-1', 'api', 'response_time_ms', 'slow')).toBeUndefined();
    expect(mean(store, 'web-1', 'api', 'response_time_ms', 'later')).toBeUndefined();
    expect(mean(store, 'web-1', 'api', 'error_rate', '')).toBeCloseTo(0.015, 6);
    expect(mean(store, 'web-1', 'idle', 'error_rate', '')).toBeUndefined();
    expect(mean(store, 'web-1', 'api', 'memory_percent', '')).toBe(12.5);
    expect(mean(store, 'web-1', 'idle', 'memory_percent', '')).toBe(3);
  });

  it('takes a heartbeat without resources or services', () => {
    const store = new SeriesStore();
    new HeartbeatFeed(store).observe('web-1', T0, fromRegistry(null, []));
    expect(store.size).toBe(0);
  });

  it('does not count a repeated resource sample twice', () => {
    const store = new SeriesStore();
    const feed = new HeartbeatFeed(store);
    feed.observe('web-1', T0, sample);
    feed.observe('web-1', T0 + 10_000, sample);
    const w = store.window(seriesId({ hostId: 'web-1', service: '', metric: 'memory_percent', instance: '' }), T0, T0 + 60_000);
    expect(w[0]!.count).toBe(1);
    feed.observe('web-1', T0 + 20_000, { ...sample, resources: { ...sample.resources, takenAtMs: 2 } });
    expect(store.window(seriesId({ hostId: 'web-1', service: '', metric: 'memory_percent', instance: '' }), T0, T0 + 60_000)[0]!.count).toBe(2);
  });
});
