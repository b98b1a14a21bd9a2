import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMemoryCollector, parseMeminfo, toMemorySample } from './memory.js';

const meminfo = readFileSync(new URL('./fixtures/meminfo.txt', import.meta.url), 'utf8');

describe('memory collector', () => {
  it('toMemorySample - used is total minus available, not total minus free', () => {
    expect(toMemorySample(parseMeminfo(meminfo))).toEqual({
      totalBytes: 24683748 * 1024,
      usedBytes: (24683748 - 24077908) * 1024,
      availableBytes: 24077908 * 1024,
      swapTotalBytes: 2097148 * 1024,
      swapUsedBytes: (2097148 - 2031612) * 1024,
    });
  });

  it('parseMeminfo - a kernel without MemAvailable (before 3.14): free + buffers + cache + slab', () => {
    const old = 'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\nSlab: 40 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n';
    expect(parseMeminfo(old)).toEqual({ total: 1024000, available: 350 * 1024, swaptotal: 0, swapused: 0 });
  });

  it('parseMeminfo - names the file and what it read when MemTotal is missing', () => {
    expect(() => parseMeminfo('garbage\n')).toThrow(/\/proc\/meminfo: no MemTotal line in "garbage/);
  });

  it('toMemorySample - clamps an available figure above total', () => {
    expect(toMemorySample({ total: 100, available: 150, swaptotal: 10, swapused: 4 })).toEqual({
      totalBytes: 100,
      usedBytes: 0,
      availableBytes: 100,
      swapTotalBytes: 10,
      swapUsedBytes: 4,
    });
  });

  it('collector - fails when the source reports no memory at all', async () => {
    const c = createMemoryCollector(async () => ({ total: 0, available: 0, swaptotal: 0, swapused: 0 }));
    await expect(c.collect()).rejects.toThrow(/total is 0/);
  });

  it('collector - reads this machine without spawning', async () => {
    const { memory } = await createMemoryCollector().collect();
    expect(memory!.totalBytes).toBeGreaterThan(0);
    expect(memory!.usedBytes + memory!.availableBytes).toBe(memory!.totalBytes);
  });
});
