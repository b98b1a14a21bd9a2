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
  const pid = Number(text.slice(0, open).trim());
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number): number => {
    const v = Number(rest[n - 3]);
    if (!Number.isFinite(v)) throw new Error(`/proc/<pid>/stat field ${n} is not a number: ${JSON.stringify(rest[n - 3])}`);
    return v;
  };
  if (!Number.isInteger(pid) || rest.length < 22) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 80))}`);
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

export interface ProcStatm {
  sizePages: number;
  residentPages: number;
  sharedPages: number;
}

/** Parses /proc/<pid>/statm (sizes in pages). */
export function parseProcStatm(text: string): ProcStatm {
  const f = text.trim().split(/\s+/).map(Number);
  if (f.length < 3 || f.slice(0, 3).some((n) => !Number.isInteger(n) || n < 0)) {
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
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

/** A zombie or dead entry is a process that has exited but not been reaped: it holds no resources and cannot be signalled usefully. */
export function isGone(stat: Pick<ProcStat, 'state'>): boolean {
  return stat.state === 'Z' || stat.state === 'X' || stat.state === 'x';
}
