import { createCpuCollector } from './cpu.js';
import { createFilesystemsCollector } from './filesystems.js';
import { createMemoryCollector } from './memory.js';
import { createNetworkCollector } from './network.js';
import type { Collector, CollectorFactory, CollectorSettings } from './types.js';

/**
 * Every built-in collector. Adding one is one file and one line here. None of them spawns
 * a process: they run once per heartbeat interval.
 */
export const COLLECTORS: readonly CollectorFactory[] = [
  { name: 'cpu', create: () => createCpuCollector() },
  { name: 'memory', create: () => createMemoryCollector() },
  // Per-mount statfs timeouts stay inside the runner's budget, so one hung mount yields a
  // partial result instead of the whole collector timing out.
  { name: 'filesystems', create: (s) => createFilesystemsCollector({ statTimeoutMs: Math.max(50, Math.floor(s.timeoutMs * 0.75)) }) },
  { name: 'network', create: () => createNetworkCollector() },
];

/** The runner's default budget for one collector call. */
export const DEFAULT_COLLECTOR_TIMEOUT_MS = 2000;

/** Fresh instances of the table's collectors (they keep counters, so never share them). */
export function createCollectors(settings: CollectorSettings = { timeoutMs: DEFAULT_COLLECTOR_TIMEOUT_MS }, table: readonly CollectorFactory[] = COLLECTORS): Collector[] {
  return table.map((f) => f.create(settings));
}

export { CollectorRunner, type CollectorRunnerOptions, type SampleRound } from './runner.js';
export type * from './types.js';
export { parseProcStat, parseLoadAvg, cpuUsagePercent, createCpuCollector } from './cpu.js';
export { toMemorySample, createMemoryCollector } from './memory.js';
export { parseMounts, selectMounts, toFilesystemSample, createFilesystemsCollector, PSEUDO_FS_TYPES } from './filesystems.js';
export { parseNetDev, networkRates, createNetworkCollector } from './network.js';
