import { describe, expect, it } from 'vitest';
import { cachedTotalMemory } from './host-memory.js';

describe('cachedTotalMemory', () => {
  it('reads once per minute, and again when the minute is up', () => {
    let t = 0;
    const reads: number[] = [];
    const total = cachedTotalMemory(() => (reads.push(t), 8e9 + t), () => t);
    expect(total()).toBe(8e9);
    t = 59_999;
    expect(total()).toBe(8e9);
    expect(reads).toEqual([0]);
    t = 60_000;
    expect(total()).toBe(8e9 + 60_000);
    expect(reads).toEqual([0, 60_000]);
  });

  it('a read of 0 (an unreadable /proc/meminfo) is not kept', () => {
    let next = 0;
    const total = cachedTotalMemory(() => next, () => 0);
    expect(total()).toBe(0);
    next = 4e9;
    expect(total()).toBe(4e9);
  });
});
