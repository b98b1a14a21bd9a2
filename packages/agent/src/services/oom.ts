import { readProcStat, readSysconf, readUptimeSeconds, PROC_ROOT } from './procfs-read.js';
import type { AdoptOutcome, ExitNotice, LogLine, ServiceManager, ServiceStatus, StopResult, Unsubscribe } from './manager.js';
import { isJournalOomLine, judgeOom, type OomEvidence, type OomVerdict, type ProcCgroups } from './oom-parse.js';
import { readOomCountAt, readOomCounter, readProcCgroups, sharedKernelLog, type KernelLog, type LoggedOomKill, type OomCounter } from './oom-read.js';

export interface OomWatchOptions {
  /** Called once per OOM kill found, with the killed process and the evidence. */
  onOom: (verdict: OomVerdict) => void;
  /** @default sharedKernelLog() (/dev/kmsg, else `journalctl -k`) */
  kernelLog?: KernelLog;
  /** Where cgroupfs is mounted. @default /sys/fs/cgroup */
  cgroupRoot?: string;
  /** @default /proc */
  procRoot?: string;
  /** The agent's own cgroups: a counter shared with the agent says nothing about one service while it runs. @default read from /proc/self/cgroup */
  agentCgroups?: ProcCgroups;
  /** Where a failing read goes; the status is returned as read either way. @default ignored */
  onError?: (err: unknown, where: string) => void;
}

/** A process of the service as last seen alive: the kernel's line must name the same one. */
interface Known {
  name: string;
  /** Start after boot in µs (the kernel log's clock). */
  startUs: number;
}

/** Pids remembered per service: enough for a master and its workers, bounded whatever it forks. */
const MAX_KNOWN = 64;
/** The printk clock and /proc's starttime are both since boot, at different resolutions. */
const SLACK_US = 1_000_000;

/**
 * Adds OOM detection to a service manager, without changing what it does: each status read
 * while the service runs remembers its processes (name, start) and its memory cgroup's OOM
 * counter; when the service ends by SIGKILL (or systemd says `Result=oom-kill`), or the
 * counter of a cgroup of its own rises while it runs, the evidence (the counter, the
 * kernel log's kill lines naming its processes, the unit's journal) is judged by
 * `judgeOom`. A kill found is reported through `onOom` once, and the status detail of that
 * end says it (`killed by signal SIGKILL; out of memory: the kernel's OOM killer killed
 * python3 (pid 6824)`), so the recovery that follows names it too.
 */
export function watchOom(manager: ServiceManager, options: OomWatchOptions): ServiceManager {
  return new OomWatch(manager, options);
}

class OomWatch implements ServiceManager {
  private readonly kernelLog: KernelLog;
  private readonly cgroupRoot: string;
  private readonly procRoot: string;
  private readonly agentCgroups: ProcCgroups;
  private readonly onError: (err: unknown, where: string) => void;
  private readonly known = new Map<number, Known>();
  private readonly attributed = new Set<string>();
  private counter: (OomCounter & { sinceUs: number }) | undefined;
  private mainPid: number | undefined;
  private lastExit: ExitNotice | undefined;
  private judged: { key: string; verdict: OomVerdict | null } | undefined;
  /** A kill already reported during the current run (a worker, seen while the service ran). */
  private reportedThisRun = false;
  /**
   * Present exactly when the wrapped manager can adopt (the watcher asks `manager.adopt`):
   * a wrapper without it would make every agent restart start a second copy of a service.
   */
  readonly adopt?: () => Promise<AdoptOutcome>;
  /** Present exactly when the wrapped manager has it: letting go must not turn into a kill. */
  readonly release?: () => Promise<void>;

  constructor(
    private readonly inner: ServiceManager,
    private readonly options: OomWatchOptions,
  ) {
    this.kernelLog = options.kernelLog ?? sharedKernelLog();
    this.cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
    this.procRoot = options.procRoot ?? PROC_ROOT;
    this.agentCgroups = options.agentCgroups ?? readProcCgroups('self', this.procRoot) ?? {};
    this.onError = options.onError ?? (() => {});
    // Subscribed before anyone else: the exit is known here when the watcher reads the status it causes.
    inner.onExit((n) => (this.lastExit = n));
    if (inner.adopt) {
      const adopt = inner.adopt.bind(inner);
      // An adopted process is a new run: no earlier exit is about it.
      this.adopt = () => {
        this.lastExit = undefined;
        return adopt();
      };
    }
    if (inner.release) this.release = inner.release.bind(inner);
  }

  get kind() {
    return this.inner.kind;
  }

  get name() {
    return this.inner.name;
  }

  async status(): Promise<ServiceStatus> {
    const st = await this.inner.status();
    try {
      if (st.state === 'running' || st.state === 'starting') await this.observeRunning(st);
      else return await this.observeEnded(st);
    } catch (err) {
      // Detection is an extra: a failing read must not cost the watcher its status.
      this.onError(err, 'oom');
    }
    return st;
  }

  // ---- while it runs: who it is, and its cgroup's counter ----

  private async observeRunning(st: ServiceStatus): Promise<void> {
    // A new run: an earlier end is no longer what a failed status will be about. (A status
    // read that began before the exit and ends after its notice is the old run: keep it.)
    if (this.lastExit === undefined || st.since === undefined || st.since >= this.lastExit.at) {
      this.lastExit = undefined;
      this.judged = undefined;
    }
    const { clkTck } = await readSysconf();
    for (const pid of st.pids.slice(0, 32)) {
      if (this.known.has(pid)) continue;
      const stat = await readProcStat(pid, this.procRoot).catch(() => undefined);
      if (!stat) continue;
      this.known.set(pid, { name: stat.comm, startUs: (stat.starttime / clkTck) * 1e6 });
      if (this.known.size > MAX_KNOWN) this.known.delete(this.known.keys().next().value as number);
    }
    const main = st.pids[0];
    if (main === undefined) return;
    this.mainPid = main;
    const cgroups = readProcCgroups(main, this.procRoot);
    if (!cgroups) return;
    // The same cgroup as last time: one read of the file already found, not the search again.
    const same = this.counter !== undefined && (cgroups.memory === this.counter.cgroup || cgroups.unified === this.counter.cgroup) ? this.counter : undefined;
    const count = same && readOomCountAt(same.file);
    const now = same && count !== undefined ? { file: same.file, cgroup: same.cgroup, count } : readOomCounter(cgroups, this.cgroupRoot);
    if (!now) return;
    const before = this.counter;
    this.counter = { ...now, sinceUs: before?.file === now.file ? before.sinceUs : await this.uptimeUs() };
    // A rise while the service still runs: one of its processes (a worker) was killed.
    if (before?.file === now.file && now.count > before.count && this.ownCgroup(now.cgroup)) {
      const kernel = await this.kernelKills(now);
      const verdict = judgeOom({ counter: { file: now.file, before: before.count, after: now.count }, ownCgroup: true, kernel, journal: [] });
      if (verdict) this.reportedThisRun = true;
      this.report(verdict);
    }
  }

  // ---- at its end ----

  private async observeEnded(st: ServiceStatus): Promise<ServiceStatus> {
    const end = this.endOf(st);
    if (!end) return st;
    if (this.judged?.key !== end.key) {
      const candidate = end.signal === 'SIGKILL' || end.result === 'oom-kill';
      const judged = candidate ? await this.judgeEnd(st, end) : { verdict: null, fresh: false };
      this.judged = { key: end.key, verdict: judged.verdict };
      // systemd stopping a unit for a kill already reported while it ran is that same kill.
      if (judged.verdict && (judged.fresh || !this.reportedThisRun)) this.report(judged.verdict);
      this.reportedThisRun = false;
    }
    const v = this.judged.verdict;
    return v ? { ...st, detail: st.detail ? `${st.detail}; ${v.summary}` : v.summary } : st;
  }

  /** The end a status shows: the exit notice of a process service, or what systemd's status says. */
  private endOf(st: ServiceStatus): { key: string; signal?: string; result?: string; pid?: number } | undefined {
    const exit = this.lastExit;
    if (exit) return { key: `exit:${exit.pid}:${exit.at}`, pid: exit.pid, ...(exit.signal ? { signal: exit.signal } : {}) };
    if (st.ended) return { key: `status:${st.since ?? ''}:${st.ended.pid ?? ''}:${st.ended.signal ?? ''}:${st.ended.result ?? ''}`, ...st.ended };
    return undefined;
  }

  /** The verdict on an end, and whether it rests on evidence not reported yet (a counter rise, a kernel line). */
  private async judgeEnd(st: ServiceStatus, end: { signal?: string; result?: string; pid?: number }): Promise<{ verdict: OomVerdict | null; fresh: boolean }> {
    const evidence: OomEvidence = { kernel: [], journal: [] };
    if (end.signal !== undefined) evidence.signal = end.signal;
    if (end.result !== undefined) evidence.systemdResult = end.result;
    const before = this.counter;
    if (before) {
      // The cgroup seen while it ran: the process is gone, its cgroup (and counter) usually not.
      const after = readOomCountAt(before.file);
      if (after !== undefined) {
        evidence.counter = { file: before.file, before: before.count, after };
        evidence.ownCgroup = this.ownCgroup(before.cgroup);
        this.counter = { ...before, count: after };
      }
    }
    evidence.kernel = await this.kernelKills(before);
    if (this.inner.kind === 'systemd') {
      // The unit's journal around its end: systemd says "killed by the OOM killer" there.
      const since = (st.since ?? Date.now()) - 10_000;
      const lines: LogLine[] = await this.inner.recentLogs(since).catch(() => []);
      evidence.journal = lines.map((l) => l.text).filter(isJournalOomLine);
    }
    const pid = end.pid ?? this.mainPid;
    const name = pid !== undefined ? this.known.get(pid)?.name : undefined;
    const fresh = evidence.kernel.length > 0 || (evidence.counter !== undefined && evidence.counter.after > evidence.counter.before);
    return { verdict: judgeOom(evidence, { ...(pid !== undefined ? { pid } : {}), ...(name !== undefined ? { name } : {}) }), fresh };
  }

  /**
   * Kills in the kernel log that are this service's and not yet reported: a pid it had (the
   * same process: killed after it started, under the same name), or its own cgroup.
   */
  private async kernelKills(counter: (OomCounter & { sinceUs?: number }) | undefined): Promise<(LoggedOomKill & { line: string })[]> {
    let kills: LoggedOomKill[];
    try {
      kills = await this.kernelLog.oomKills();
    } catch (err) {
      this.onError(err, 'kernel log');
      return [];
    }
    const ours = kills.filter((k) => {
      if (this.attributed.has(k.id)) return false;
      const p = this.known.get(k.pid);
      if (p && k.name === p.name.slice(0, 15) && k.tsUs + SLACK_US >= p.startUs) return true;
      return counter !== undefined && k.memcg === counter.cgroup && this.ownCgroup(counter.cgroup) && k.tsUs + SLACK_US >= (counter.sinceUs ?? 0);
    });
    for (const k of ours) this.attributed.add(k.id);
    if (this.attributed.size > 1024) this.attributed.delete(this.attributed.values().next().value as string);
    return ours;
  }

  private async uptimeUs(): Promise<number> {
    return (await readUptimeSeconds(this.procRoot).catch(() => 0)) * 1e6;
  }

  /** A cgroup the agent is not in: the service's own (a systemd unit's, or one it was moved to). */
  private ownCgroup(cgroup: string): boolean {
    return cgroup !== this.agentCgroups.memory && cgroup !== this.agentCgroups.unified;
  }

  private report(verdict: OomVerdict | null): void {
    if (!verdict) return;
    try {
      this.options.onOom(verdict);
    } catch (err) {
      this.onError(err, 'oom listener');
    }
  }

  // ---- everything else is the manager's ----

  // A start or restart begins a new run: a failed status after it (a spawn error) is not about the last exit.
  start(): Promise<void> {
    this.lastExit = undefined;
    return this.inner.start();
  }
  stop(graceMs: number): Promise<StopResult> {
    return this.inner.stop(graceMs);
  }
  forceKill(): Promise<void> {
    return this.inner.forceKill();
  }
  resetFailed(): Promise<void> {
    return this.inner.resetFailed();
  }
  daemonReload(): Promise<void> {
    return this.inner.daemonReload();
  }
  restart(): Promise<void> {
    this.lastExit = undefined;
    return this.inner.restart();
  }
  pids(): Promise<number[]> {
    return this.inner.pids();
  }
  onExit(cb: (notice: ExitNotice) => void): Unsubscribe {
    return this.inner.onExit(cb);
  }
  recentLogs(sinceMs: number): Promise<LogLine[]> {
    return this.inner.recentLogs(sinceMs);
  }
  onLog(cb: (line: LogLine) => void): Unsubscribe {
    return this.inner.onLog(cb);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
