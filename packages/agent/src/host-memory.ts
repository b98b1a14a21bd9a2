import { totalmem } from 'node:os';

/**
 * The host's total memory, read again at most once a `ttlMs`. Every service's memory share
 * and every `resources` check divides by it at every interval, and each `os.totalmem()`
 * reads /proc/meminfo; the figure only changes when memory is hot-plugged or a VM's
 * balloon moves, which a minute's delay does not hide.
 */
export function cachedTotalMemory(read: () => number = totalmem, now: () => number = () => performance.now(), ttlMs = 60_000): () => number {
  let value = 0;
  let readAt = -Infinity;
  return () => {
    const t = now();
    if (t - readAt >= ttlMs || !(value > 0)) {
      value = read();
      readAt = t;
    }
    return value;
  };
}

/** The agent's one cache of it. */
export const hostTotalMemory = cachedTotalMemory();
