import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMemoryCollector, toMemorySample, type SiMem } from './memory.js';

const siMem = JSON.parse(readFileSync(new URL('./fixtures/si-mem.json', import.meta.url), 'utf8')) as SiMem;

describe('memory collector', () => {
  it('toMemorySample - used is total minus available, not total minus free', () => {
    expect(toMemorySample(siMem)).toEqual({
      totalBytes: 25276502016,
      usedBytes: 25276502016 - 24684146688,
      availableBytes: 24684146688,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    });
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
