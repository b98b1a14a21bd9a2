/*
 * Pure arithmetic of the resources check: CPU % and memory % of a set of processes, as
 * `top` shows them per process (CPU in % of one core; memory as resident / host total).
 */

export interface ProcSample {
  pid: number;
  /** From /proc/<pid>/stat: identifies the process across pid reuse. */
  starttime: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** From /proc/<pid>/statm. */
  residentPages: number;
}

/** The previous reading of a process, keyed by `pid:starttime`. */
export type PrevSamples = ReadonlyMap<string, { ticks: number; atMs: number }>;

export interface UsageInput {
  samples: readonly ProcSample[];
  prev: PrevSamples;
  /** Wall clock of this reading, ms. */
  nowMs: number;
  /** /proc/uptime of this reading, seconds. */
  uptimeSec: number;
  clkTck: number;
  pageSize: number;
  totalMemBytes: number;
}

export interface Usage {
  cpuPercent: number;
  memoryPercent: number;
  rssBytes: number;
  /** To pass as `prev` next time. */
  next: Map<string, { ticks: number; atMs: number }>;
}

export const sampleKey = (s: Pick<ProcSample, 'pid' | 'starttime'>) => `${s.pid}:${s.starttime}`;

/**
 * CPU comes from the tick delta over wall time since the previous reading of the same
 * process; a process seen for the first time gets its lifetime average (ticks over the time
 * since it started), so the first reading already means something.
 */
export function computeUsage(input: UsageInput): Usage {
  const next = new Map<string, { ticks: number; atMs: number }>();
  let cpu = 0;
  let rssPages = 0;
  for (const s of input.samples) {
    const key = sampleKey(s);
    const before = input.prev.get(key);
    const wallSec = before ? (input.nowMs - before.atMs) / 1000 : input.uptimeSec - s.starttime / input.clkTck;
    const usedTicks = before ? Math.max(0, s.ticks - before.ticks) : s.ticks;
    if (wallSec > 0) cpu += (usedTicks / input.clkTck / wallSec) * 100;
    rssPages += s.residentPages;
    next.set(key, { ticks: s.ticks, atMs: input.nowMs });
  }
  const rssBytes = rssPages * input.pageSize;
  return {
    cpuPercent: round1(cpu),
    memoryPercent: input.totalMemBytes > 0 ? round1((rssBytes / input.totalMemBytes) * 100) : 0,
    rssBytes,
    next,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
