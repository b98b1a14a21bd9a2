import { si } from '../systeminformation.js';
import type { Collector, MemorySample } from './types.js';

/** The fields of `si.mem()` this collector uses. */
export interface SiMem {
  total: number;
  available: number;
  swaptotal: number;
  swapused: number;
}

/**
 * `si.mem()` reads /proc/meminfo without spawning anything, so it is cheap enough for
 * every interval (unlike most of systeminformation).
 */
export function readMem(): Promise<SiMem> {
  return si.mem();
}

/** Used memory excludes reclaimable cache and buffers: total minus MemAvailable. */
export function toMemorySample(m: SiMem): MemorySample {
  const total = nonNegative(m.total);
  const available = Math.min(total, nonNegative(m.available));
  return {
    totalBytes: total,
    usedBytes: total - available,
    availableBytes: available,
    swapTotalBytes: nonNegative(m.swaptotal),
    swapUsedBytes: nonNegative(m.swapused),
  };
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}

export function createMemoryCollector(read: () => Promise<SiMem> = readMem): Collector {
  return {
    name: 'memory',
    async collect() {
      const m = await read();
      if (!(m.total > 0)) throw new Error('memory: total is 0 (is /proc/meminfo readable?)');
      return { memory: toMemorySample(m) };
    },
  };
}
