import { closeSync, constants, openSync, readSync } from 'node:fs';
import { readProcTextIfPresent } from '../proc-text.js';
import { runCommand, type RunCommand } from './exec.js';
import { decodeField } from './journal.js';
import { parseKernelOomLine, parseKmsgRecord, parseOomKillCount, parseProcCgroup, type KernelOomKill, type ProcCgroups } from './oom-parse.js';

/*
 * Thin readers behind the OOM detector (oom.ts): the kernel log and a memory cgroup's OOM
 * counter. Parsing lives in oom-parse.ts.
 */

/** A kernel OOM kill with where and when the kernel logged it. */
export interface LoggedOomKill extends KernelOomKill {
  /** Stable identity of the record (`kmsg:<seq>` or a journal cursor), so one kill is attributed once. */
  id: string;
  /** Microseconds since boot. */
  tsUs: number;
  /** The line as logged. */
  line: string;
}

/** The kernel's log, as far as OOM kills go. */
export interface KernelLog {
  /** Where it is read from: `/dev/kmsg`, `journalctl -k`, or `none`. */
  readonly source: string;
  /** The OOM kills still in the log, oldest first (at most the last 256). */
  oomKills(): Promise<LoggedOomKill[]>;
}

const MAX_KILLS = 256;

/** Keeps the last kills; the `oom-kill:` summary and the `Killed process` line of one kill become one entry. */
class KillList {
  readonly kills: LoggedOomKill[] = [];

  add(kill: LoggedOomKill): void {
    const prev = this.kills[this.kills.length - 1];
    if (prev && prev.pid === kill.pid && Math.abs(prev.tsUs - kill.tsUs) < 1_000_000) {
      // One kill, two lines: the "Killed process" line carries the sizes an operator wants, the summary the cgroup.
      const line = /Killed process/.test(kill.line) ? kill.line : prev.line;
      const memcg = prev.memcg ?? kill.memcg;
      this.kills[this.kills.length - 1] = { ...prev, line, ...(memcg !== undefined ? { memcg } : {}) };
      return;
    }
    this.kills.push(kill);
    if (this.kills.length > MAX_KILLS) this.kills.shift();
  }
}

/**
 * /dev/kmsg, read without blocking from the oldest record kept to the newest. Only records
 * newer than the last read are parsed, so a second look costs the read syscalls and little
 * else. Needs CAP_SYSLOG where `kernel.dmesg_restrict` is 1 (the agent runs as root).
 */
export class KmsgKernelLog implements KernelLog {
  readonly source: string;
  private lastSeq = -1;
  private readonly list = new KillList();
  private readonly buf = Buffer.allocUnsafe(16 * 1024);

  constructor(readonly path = '/dev/kmsg') {
    this.source = path;
  }

  /** Throws when the log cannot be opened (no permission, no such device). */
  async oomKills(): Promise<LoggedOomKill[]> {
    const fd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      for (;;) {
        let n: number;
        try {
          // Each read returns exactly one record.
          n = readSync(fd, this.buf, 0, this.buf.length, null);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') break; // read up to the newest record
          if (code === 'EPIPE') continue; // records overwritten under us: carry on with the next kept one
          throw err;
        }
        if (n === 0) break;
        const rec = parseKmsgRecord(this.buf.toString('utf8', 0, n));
        if (!rec || rec.seq <= this.lastSeq) continue;
        this.lastSeq = rec.seq;
        const kill = parseKernelOomLine(rec.message);
        if (kill) this.list.add({ ...kill, id: `kmsg:${rec.seq}`, tsUs: rec.tsUs, line: rec.message });
      }
    } finally {
      closeSync(fd);
    }
    return [...this.list.kills];
  }
}

/** `journalctl -k -o json` output to kills, oldest first. */
export function parseKernelJournal(text: string): LoggedOomKill[] {
  const list = new KillList();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const message = decodeField(obj.MESSAGE);
    const kill = message === undefined ? null : parseKernelOomLine(message);
    if (!kill) continue;
    list.add({ ...kill, id: decodeField(obj.__CURSOR) ?? `journal:${String(obj.__MONOTONIC_TIMESTAMP)}`, tsUs: Number(decodeField(obj.__MONOTONIC_TIMESTAMP) ?? 0), line: message! });
  }
  return list.kills;
}

/** The kernel messages journald kept for this boot (`-k` implies `-b`), where /dev/kmsg is not readable. */
export class JournalKernelLog implements KernelLog {
  readonly source = 'journalctl -k';
  constructor(
    private readonly run: RunCommand = runCommand,
    private readonly journalctl = 'journalctl',
  ) {}

  async oomKills(): Promise<LoggedOomKill[]> {
    const { stdout } = await this.run(this.journalctl, ['-k', '-o', 'json', '--no-pager', '-n', '5000'], { timeoutMs: 15_000 });
    return parseKernelJournal(stdout);
  }
}

/**
 * /dev/kmsg when it can be read, else `journalctl -k`, else nothing: the first source that
 * answers is kept. A host where neither can be read still has the cgroup counter and
 * systemd's Result=.
 */
export class FallbackKernelLog implements KernelLog {
  private chosen: KernelLog | undefined;
  private failed = false;
  /** Why no kernel log could be read, once that is known. */
  problem: string | undefined;

  constructor(private readonly candidates: readonly KernelLog[] = [new KmsgKernelLog(), new JournalKernelLog()]) {}

  get source(): string {
    return this.chosen?.source ?? (this.failed ? 'none' : 'not read yet');
  }

  async oomKills(): Promise<LoggedOomKill[]> {
    if (this.chosen) return this.chosen.oomKills();
    if (this.failed) return [];
    const problems: string[] = [];
    for (const c of this.candidates) {
      try {
        const kills = await c.oomKills();
        this.chosen = c;
        return kills;
      } catch (err) {
        problems.push(`${c.source}: ${(err as Error).message}`);
      }
    }
    this.failed = true;
    this.problem = problems.join('; ');
    return [];
  }
}

let shared: KernelLog | undefined;

/** One kernel log reader per agent: every service's detector reads the same records. */
export function sharedKernelLog(): KernelLog {
  return (shared ??= new FallbackKernelLog());
}

/** A memory cgroup's OOM counter and the file it was read from. */
export interface OomCounter {
  file: string;
  count: number;
  /** The cgroup path the counter belongs to (as in /proc/<pid>/cgroup and the kernel's `task_memcg=`). */
  cgroup: string;
}

/** Where a process sits in the cgroup hierarchies; undefined once it is gone. */
export function readProcCgroups(pid: number | 'self', procRoot = '/proc'): ProcCgroups | undefined {
  const text = readProcTextIfPresent(`${procRoot}/${pid}/cgroup`);
  return text === undefined ? undefined : parseProcCgroup(text);
}

/**
 * Reads the OOM counter of a process's memory cgroup: cgroup v2's `memory.events` (unified
 * at the root, or at `unified/` in the hybrid layout), else v1's `memory.oom_control`.
 * Undefined where neither exists (no memory controller, the root cgroup, an old kernel).
 */
export function readOomCounter(cgroups: ProcCgroups, cgroupRoot = '/sys/fs/cgroup'): OomCounter | undefined {
  const tries: { file: string; cgroup: string }[] = [];
  const under = (root: string, path: string, file: string) => `${root}${path === '/' ? '' : path}/${file}`;
  if (cgroups.unified !== undefined) {
    for (const root of [cgroupRoot, `${cgroupRoot}/unified`]) tries.push({ file: under(root, cgroups.unified, 'memory.events'), cgroup: cgroups.unified });
  }
  if (cgroups.memory !== undefined) tries.push({ file: under(`${cgroupRoot}/memory`, cgroups.memory, 'memory.oom_control'), cgroup: cgroups.memory });
  for (const t of tries) {
    const text = readProcTextIfPresent(t.file);
    const count = text === undefined ? undefined : parseOomKillCount(text);
    if (count !== undefined) return { file: t.file, count, cgroup: t.cgroup };
  }
  return undefined;
}

/** The counter of a file found by `readOomCounter`, read again; undefined once the cgroup is gone. */
export function readOomCountAt(file: string): number | undefined {
  const text = readProcTextIfPresent(file);
  return text === undefined ? undefined : parseOomKillCount(text);
}
