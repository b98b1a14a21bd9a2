import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readProcText, readProcTextIfPresent } from '../proc-text.js';
import { isGone, parseProcStat, parseProcStatm, parseUptime, type ProcStat, type ProcStatm } from './procfs.js';

/*
 * Thin readers over /proc. A process that vanishes between listing and reading is normal
 * (it exited), so "not found" is an answer (undefined), not an error.
 */

/** Where /proc is; tests may point it elsewhere. */
export const PROC_ROOT = '/proc';

// The readers stay async (their callers await them, tests replace them) but read with
// readProcText: see there why procfs is read synchronously.

export function readdirOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

export async function readProcStat(pid: number, procRoot = PROC_ROOT): Promise<ProcStat | undefined> {
  const text = readProcTextIfPresent(`${procRoot}/${pid}/stat`);
  return text === undefined ? undefined : parseProcStat(text);
}

export async function readProcStatm(pid: number, procRoot = PROC_ROOT): Promise<ProcStatm | undefined> {
  const text = readProcTextIfPresent(`${procRoot}/${pid}/statm`);
  return text === undefined ? undefined : parseProcStatm(text);
}

export async function readUptimeSeconds(procRoot = PROC_ROOT): Promise<number> {
  return parseUptime(readProcText(`${procRoot}/uptime`));
}

/**
 * The live members of a process group, found by scanning /proc for their `pgrp`. A process
 * service runs in its own group, so this finds the grandchildren too, and nothing else.
 */
export async function listProcessGroup(pgid: number, procRoot = PROC_ROOT): Promise<number[]> {
  const entries = readdirSync(procRoot);
  const members: number[] = [];
  await Promise.all(
    entries.map(async (e) => {
      if (!/^\d+$/.test(e)) return;
      const stat = await readProcStat(Number(e), procRoot).catch(() => undefined);
      if (stat && stat.pgrp === pgid && !isGone(stat)) members.push(stat.pid);
    }),
  );
  // The group leader first, as the main process.
  return members.sort((a, b) => (a === pgid ? -1 : b === pgid ? 1 : a - b));
}

/** A pid plus its start time: a recycled pid is a different process. */
export interface ProcessIdentity {
  pid: number;
  starttime: number;
}

export async function identify(pids: readonly number[], procRoot = PROC_ROOT): Promise<ProcessIdentity[]> {
  const out: ProcessIdentity[] = [];
  for (const pid of pids) {
    const stat = await readProcStat(pid, procRoot).catch(() => undefined);
    if (stat && !isGone(stat)) out.push({ pid, starttime: stat.starttime });
  }
  return out;
}

export async function isAlive(id: ProcessIdentity, procRoot = PROC_ROOT): Promise<boolean> {
  const stat = await readProcStat(id.pid, procRoot).catch(() => undefined);
  return stat !== undefined && stat.starttime === id.starttime && !isGone(stat);
}

export async function anyAlive(ids: readonly ProcessIdentity[], procRoot = PROC_ROOT): Promise<boolean> {
  for (const id of ids) if (await isAlive(id, procRoot)) return true;
  return false;
}

/** Sends a signal, treating "no such process" as done: the process already exited. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

export interface Sysconf {
  /** Bytes per page, for statm sizes. */
  pageSize: number;
  /** Clock ticks per second (USER_HZ), for stat CPU times. */
  clkTck: number;
}

function getconf(name: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile('getconf', [name], { timeout: 5_000 }, (err, stdout) => {
      const n = Number(String(stdout).trim());
      resolve(!err && Number.isInteger(n) && n > 0 ? n : undefined);
    });
  });
}

let sysconf: Promise<Sysconf> | undefined;

/**
 * Page size and USER_HZ, asked once. The fallbacks are Linux's usual values (USER_HZ is 100
 * on every mainstream architecture; pages are 4 KiB except on some arm64 kernels).
 */
export function readSysconf(): Promise<Sysconf> {
  sysconf ??= Promise.all([getconf('PAGESIZE'), getconf('CLK_TCK')]).then(([pageSize, clkTck]) => ({ pageSize: pageSize ?? 4096, clkTck: clkTck ?? 100 }));
  return sysconf;
}
