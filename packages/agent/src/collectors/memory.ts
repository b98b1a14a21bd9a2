import { readProcText } from '../proc-text.js';
import type { Collector, MemorySample } from './types.js';

/** The /proc/meminfo figures this collector uses, in bytes. */
export interface Meminfo {
  total: number;
  available: number;
  swaptotal: number;
  swapused: number;
}

/**
 * One read of /proc/meminfo per interval. (`si.mem()`, used before, reads it seven times a
 * call: six `os.totalmem()`/`os.freemem()` calls, each a read of the whole file inside
 * libuv, then the file itself; on an idle agent each of those reads is real CPU.)
 */
export async function readMem(): Promise<Meminfo> {
  return parseMeminfo(readProcText('/proc/meminfo'));
}

/**
 * `Key:   12345 kB` lines (proc(5)). MemAvailable is the kernel's own estimate of memory
 * available without swapping (Linux 3.14 and later); older kernels get free + buffers +
 * page cache + slab, as `free` computed it then.
 */
export function parseMeminfo(text: string): Meminfo {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const n = Number.parseInt(line.slice(colon + 1).trim(), 10);
    if (Number.isFinite(n)) kb.set(line.slice(0, colon), n * 1024);
  }
  const total = kb.get('MemTotal');
  if (total === undefined) throw new Error(`/proc/meminfo: no MemTotal line in ${JSON.stringify(text.slice(0, 80))}`);
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0) + (kb.get('Slab') ?? 0);
  const swaptotal = kb.get('SwapTotal') ?? 0;
  return { total, available, swaptotal, swapused: swaptotal - (kb.get('SwapFree') ?? swaptotal) };
}

/** Used memory excludes reclaimable cache and buffers: total minus MemAvailable. */
export function toMemorySample(m: Meminfo): MemorySample {
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

export function createMemoryCollector(read: () => Promise<Meminfo> = readMem): Collector {
  return {
    name: 'memory',
    async collect() {
      const m = await read();
      if (!(m.total > 0)) throw new Error('memory: total is 0 (is /proc/meminfo readable?)');
      return { memory: toMemorySample(m) };
    },
  };
}
