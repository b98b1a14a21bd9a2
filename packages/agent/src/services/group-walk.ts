import { readProcTextIfPresent } from '../proc-text.js';
import { isGone } from './procfs.js';
import { PROC_ROOT, readdirOrEmpty, readProcStat } from './procfs-read.js';

/** What was last read of one member's threads. */
interface Threads {
  starttime: number;
  /** Children found through threads other than the main one, at the last full read. */
  otherChildren: number[];
  /** The walk number at which all its threads are read again. */
  fullAt: number;
}

/**
 * The members of one process group, walked down from its live leader through
 * /proc/<pid>/task/<tid>/children, every status interval, for one run of a service.
 *
 * A child is listed under the thread that forked it, so a complete walk reads one file per
 * thread of every member: 11 for a small Node service, hundreds for a JVM, every interval.
 * Nearly all children are forked from a process's main thread, so that thread's file is read
 * at every walk and the other threads' every `fullEvery` walks (and at once for a member not
 * seen before): a child forked from another thread is found within `fullEvery` intervals
 * instead of one. What it changes is the service's member list (pids, memory); stopping and
 * killing go to the whole group (-pgid) and miss nothing.
 */
export class GroupWalk {
  private walks = 0;
  private threads = new Map<number, Threads>();

  constructor(
    private readonly pgid: number,
    private readonly procRoot = PROC_ROOT,
    private readonly fullEvery = 6,
  ) {}

  async members(): Promise<number[]> {
    const walk = this.walks++;
    const members: number[] = [];
    const queue = [this.pgid];
    const seen = new Set<number>();
    const next = new Map<number, Threads>();
    while (queue.length > 0 && seen.size < 4096) {
      const pid = queue.shift()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const stat = await readProcStat(pid, this.procRoot).catch(() => undefined);
      if (!stat || isGone(stat) || stat.pgrp !== this.pgid) continue;
      members.push(pid);
      let t = this.threads.get(pid);
      if (!t || t.starttime !== stat.starttime || walk >= t.fullAt) {
        t = { starttime: stat.starttime, otherChildren: this.readOtherThreads(pid), fullAt: walk + this.fullEvery };
      }
      next.set(pid, t);
      queue.push(...this.children(pid, pid), ...t.otherChildren);
    }
    // Members that are gone take their threads' record with them.
    this.threads = next;
    return members;
  }

  private readOtherThreads(pid: number): number[] {
    const out: number[] = [];
    for (const tid of readdirOrEmpty(`${this.procRoot}/${pid}/task`)) {
      if (tid !== String(pid)) out.push(...this.children(pid, Number(tid)));
    }
    return out;
  }

  /** A thread that exited meanwhile has no children file: nothing known from it. */
  private children(pid: number, tid: number): number[] {
    const text = readProcTextIfPresent(`${this.procRoot}/${pid}/task/${tid}/children`) ?? '';
    const out: number[] = [];
    for (const c of text.split(/\s+/)) if (/^\d+$/.test(c)) out.push(Number(c));
    return out;
  }
}
