import { quoteText } from '@vigil/shared';
import { readProcText } from '../proc-text.js';
import type { Collector, CpuSample } from './types.js';

/** Cumulative CPU time in clock ticks, summed over all cores. */
export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

export interface ProcStat {
  readonly times: CpuTimes;
  /** Online cores: one `cpuN` line each. */
  readonly cores: number;
}

export interface LoadAvg {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
}

export async function readProcStat(): Promise<string> {
  return readProcText('/proc/stat');
}

export async function readLoadAvg(): Promise<string> {
  return readProcText('/proc/loadavg');
}

/**
 * Parses the aggregate `cpu` line and counts `cpuN` lines of /proc/stat. Guest time is
 * already included in user time, so only the first eight columns are summed; idle and
 * iowait count as not busy.
 */
export function parseProcStat(text: string): ProcStat {
  let times: CpuTimes | undefined;
  let cores = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      const cols = line.trim().split(/\s+/).slice(1, 9).map(Number);
      if (cols.length < 4 || cols.some((n) => !Number.isFinite(n))) throw new Error(`/proc/stat: cannot parse ${quoteText(line)}`);
      const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cols;
      const total = user + nice + system + idle + iowait + irq + softirq + steal;
      times = { busy: total - idle - iowait, total };
    } else if (/^cpu\d+ /.test(line)) {
      cores++;
    }
  }
  if (!times) throw new Error('/proc/stat: no aggregate "cpu" line');
  return { times, cores };
}

export function parseLoadAvg(text: string): LoadAvg {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (![a, b, c].every((n) => n !== undefined && Number.isFinite(n) && n >= 0)) throw new Error(`/proc/loadavg: cannot parse ${quoteText(text.trim())}`);
  return { load1: a!, load5: b!, load15: c! };
}

/**
 * Busy share between two readings, 0-100, rounded to 0.01. With no previous reading the
 * counters are compared with zero, which gives the average since boot.
 */
export function cpuUsagePercent(prev: CpuTimes | undefined, cur: CpuTimes): number {
  const p = prev ?? { busy: 0, total: 0 };
  const total = cur.total - p.total;
  const busy = cur.busy - p.busy;
  // Counters only go back on a hotplugged core or a wrap; report nothing rather than nonsense.
  if (total <= 0 || busy < 0) return 0;
  return Math.round(Math.min(100, (busy / total) * 100) * 100) / 100;
}

export interface CpuCollectorDeps {
  readStat?: () => Promise<string>;
  readLoad?: () => Promise<string>;
}

export function createCpuCollector(deps: CpuCollectorDeps = {}): Collector {
  const readStat = deps.readStat ?? readProcStat;
  const readLoad = deps.readLoad ?? readLoadAvg;
  let prev: CpuTimes | undefined;
  return {
    name: 'cpu',
    async collect() {
      const [statText, loadText] = await Promise.all([readStat(), readLoad()]);
      const stat = parseProcStat(statText);
      const load = parseLoadAvg(loadText);
      const usagePercent = cpuUsagePercent(prev, stat.times);
      prev = stat.times;
      const cpu: CpuSample = { usagePercent, ...load, cores: stat.cores };
      return { cpu };
    },
  };
}
