/*
 * Pure parsers for the /proc files the agent reads about a service's own processes
 * (proc(5)). Reading lives in procfs-read.ts; these are tested on captured files.
 */

export interface ProcStat {
  pid: number;
  comm: string;
  /** One letter: R S D Z T t X I ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** User and system CPU time in clock ticks (USER_HZ). */
  utime: number;
  stime: number;
  /** Start time after boot in clock ticks; with the pid it identifies a process across pid reuse. */
  starttime: number;
  /** Resident set size in pages. */
  rssPages: number;
}

/**
 * Parses /proc/<pid>/stat. The command name may itself hold spaces and parentheses
 * (`(my (odd) app)`), so fields are counted from the LAST `)`.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 80))}`);
  const pid = decimal(text.slice(0, open).trim());
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number): number => {
    const v = decimal(rest[n - 3]);
    if (v === undefined) throw new Error(`/proc/<pid>/stat field ${n} is not a count: ${JSON.stringify(rest[n - 3]?.slice(0, 40))}`);
    return v;
  };
  if (pid === undefined || pid === 0 || rest.length < 22) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 80))}`);
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    utime: field(14),
    stime: field(15),
    starttime: field(22),
    rssPages: field(24),
  };
}

/**
 * A count as the kernel prints it: decimal digits only. `Number()` alone would take ""
 * (as 0), "-1", "1.5", "0x1f" and "1e400" (as Infinity).
 */
function decimal(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface ProcStatm {
  sizePages: number;
  residentPages: number;
  sharedPages: number;
}

/** Parses /proc/<pid>/statm (sizes in pages). */
export function parseProcStatm(text: string): ProcStatm {
  const f = text.trim().split(/\s+/).map(decimal);
  if (f.length < 3 || f.slice(0, 3).some((n) => n === undefined)) {
    throw new Error(`not a /proc/<pid>/statm line: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { sizePages: f[0]!, residentPages: f[1]!, sharedPages: f[2]! };
}

/** Parses /proc/uptime: seconds since boot (the first number). */
export function parseUptime(text: string): number {
  const s = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(s) || s < 0) throw new Error(`not a /proc/uptime line: ${JSON.stringify(text.slice(0, 80))}`);
  return s;
}

/** Parses a cgroup.procs file: one pid per line. */
export function parseCgroupProcs(text: string): number[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .map(decimal)
    .filter((pid): pid is number => pid !== undefined && pid > 0);
}

/** A zombie or dead entry is a process that has exited but not been reaped: it holds no resources and cannot be signalled usefully. */
export function isGone(stat: Pick<ProcStat, 'state'>): boolean {
  return stat.state === 'Z' || stat.state === 'X' || stat.state === 'x';
}
