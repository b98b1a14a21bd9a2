import { FakeClock, findingMessageSchema, RUNBOOK_LOG_PATTERNS } from '@vigil/shared';

const row = (cause: string) => RUNBOOK_LOG_PATTERNS.find((r) => r.cause === cause)!;
import { describe, expect, it } from 'vitest';
import { FindingsAggregator } from './findings.js';

describe('findings - aggregation', () => {
  it('aggregates per (service, cause, source) with count, first and last seen', () => {
    const clock = new FakeClock(1000);
    const agg = new FindingsAggregator({ clock });
    agg.record('api', row('disk_space_full'), '/var/log/api.log', 'write failed: No space left on device');
    clock.advance(5000);
    agg.record('api', row('disk_space_full'), '/var/log/api.log', 'again: No space left on device');
    agg.record('api', row('disk_space_full'), 'journal', 'No space left on device');
    agg.record('db', row('disk_space_full'), '/var/log/api.log', 'No space left on device');
    const all = agg.drain();
    expect(all).toHaveLength(3);
    expect(all[0]).toEqual({
      service: 'api',
      cause: 'disk_space_full',
      source: '/var/log/api.log',
      excerpt: 'again: No space left on device',
      count: 2,
      firstSeenMs: 1000,
      lastSeenMs: 6000,
      skippedLines: 0,
      diagnosis: 'The service stopped for lack of disk space.',
      fix: 'Clean up the disk or extend it.',
      prevention: 'Monitor disk usage automatically.',
    });
    for (const f of all) expect(findingMessageSchema.safeParse(f).success).toBe(true);
  });

  it('drains only what changed since the last drain, with cumulative counts', () => {
    const agg = new FindingsAggregator({ clock: new FakeClock() });
    agg.record('api', row('memory_exhaustion'), 'stdout', 'OutOfMemoryError');
    agg.record('api', row('configuration_error'), 'stdout', 'Failed to parse');
    expect(agg.drain()).toHaveLength(2);
    expect(agg.drain()).toEqual([]);
    agg.record('api', row('memory_exhaustion'), 'stdout', 'OutOfMemoryError again');
    expect(agg.drain()).toEqual([expect.objectContaining({ cause: 'memory_exhaustion', count: 2, excerpt: 'OutOfMemoryError again' })]);
    expect(agg.all()).toHaveLength(2);
  });

  it('keeps the excerpt within 512 bytes of UTF-8, multi-byte characters included', () => {
    const agg = new FindingsAggregator({ clock: new FakeClock() });
    const line = `${'😀é€'.repeat(200)} OutOfMemoryError`;
    agg.record('api', row('memory_exhaustion'), 'stdout', line);
    const [f] = agg.drain();
    expect(Buffer.byteLength(f!.excerpt, 'utf8')).toBeLessThanOrEqual(512);
    expect(Buffer.byteLength(f!.excerpt, 'utf8')).toBeGreaterThan(500);
    expect(f!.excerpt).not.toContain('\uFFFD');
    expect(line.startsWith(f!.excerpt.slice(0, -1))).toBe(true);
    expect(findingMessageSchema.safeParse(f).success).toBe(true);
  });

  it('stays bounded, forgetting the least recently seen and counting undrained losses', () => {
    const agg = new FindingsAggregator({ maxFindings: 3, clock: new FakeClock() });
    for (const s of ['a', 'b', 'c']) agg.record(s, row('disk_space_full'), 'stdout', 'x');
    agg.drain();
    agg.record('a', row('disk_space_full'), 'stdout', 'x'); // a is now the most recent
    agg.record('d', row('disk_space_full'), 'stdout', 'x'); // evicts b (drained: not a loss)
    agg.record('e', row('disk_space_full'), 'stdout', 'x'); // evicts c (drained: not a loss)
    agg.record('f', row('disk_space_full'), 'stdout', 'x'); // evicts a (changed since drain: a loss)
    expect(agg.size).toBe(3);
    expect(agg.all().map((f) => f.service)).toEqual(['d', 'e', 'f']);
    expect(agg.lostFindings).toBe(1);
  });
});
