/*
 * Pure parsing of what Linux says about an OOM kill: the kernel log (/dev/kmsg records and
 * their text), a memory cgroup's OOM counter (cgroup v2 `memory.events`, v1
 * `memory.oom_control`) and /proc/<pid>/cgroup; plus the rule that turns this evidence into
 * a verdict. Reading lives in oom-read.ts; these are tested on captured files.
 */

/** One process the kernel's OOM killer killed, as its log line names it. */
export interface KernelOomKill {
  pid: number;
  /** The process's command name (comm, at most 15 bytes), as the kernel prints it. */
  name: string;
  /** The victim's memory cgroup (`task_memcg=` of the `oom-kill:` summary), when the line gives it. */
  memcg?: string;
}

// Kernels 2.6-6.x: "Out of memory: Kill process N (name) score ..." (older), "Out of memory:
// Killed process N (name) total-vm:..." (4.x+), "Memory cgroup out of memory: Killed process
// ..." (a cgroup at its limit), "(oom_kill_allocating_task)" when that sysctl is set.
const KILLED = /(?:Out of memory|Memory cgroup out of memory)(?: \(oom_kill_allocating_task\))?: [Kk]ill(?:ed)? process (\d+) \((.*?)\)(?= total-vm:| score \d|,|$)/;
// Before 4.x the verdict line and the kill line were separate: "Killed process N (name) total-vm:...".
const KILLED_BARE = /(?:^|[\s\]:])Killed process (\d+) \((.*)\) total-vm:/;
// 4.19+: "oom-kill:constraint=...,oom_memcg=/a,task_memcg=/a/b,task=name,pid=N,uid=U". A comm
// may hold a comma, so the name runs up to the last ",pid=N".
const SUMMARY = /oom-kill:constraint=[^,]*,.*?(?:task_memcg=(.*?),)?task=(.*),pid=(\d+)(?:,|$)/;

/** The kill named by a kernel OOM line, or null for any other line. */
export function parseKernelOomLine(line: string): KernelOomKill | null {
  const summary = SUMMARY.exec(line);
  if (summary) {
    const pid = Number(summary[3]);
    if (!Number.isSafeInteger(pid)) return null;
    const kill: KernelOomKill = { pid, name: summary[2]! };
    if (summary[1] !== undefined && summary[1] !== '') kill.memcg = summary[1];
    return kill;
  }
  const m = KILLED.exec(line) ?? KILLED_BARE.exec(line);
  const pid = m ? Number(m[1]) : NaN;
  return m && Number.isSafeInteger(pid) ? { pid, name: m[2]! } : null;
}

/** One /dev/kmsg record (Documentation/ABI/testing/dev-kmsg). */
export interface KmsgRecord {
  seq: number;
  /** Microseconds since boot (the printk clock), the time base of /proc/<pid>/stat's starttime. */
  tsUs: number;
  message: string;
}

/**
 * Parses one record, `prio,seq,ts_us,flags[,...];message` followed by optional
 * ` KEY=value` dictionary lines. Non-printable bytes come escaped as `\xNN`; they are left so.
 */
export function parseKmsgRecord(raw: string): KmsgRecord | null {
  const semi = raw.indexOf(';');
  if (semi < 0) return null;
  const fields = raw.slice(0, semi).split(',');
  const seq = Number(fields[1]);
  const tsUs = Number(fields[2]);
  if (fields.length < 3 || !Number.isSafeInteger(seq) || !Number.isSafeInteger(tsUs)) return null;
  const nl = raw.indexOf('\n', semi);
  return { seq, tsUs, message: raw.slice(semi + 1, nl < 0 ? raw.length : nl) };
}

/** Records of a captured `cat`-style dump of /dev/kmsg (one record per line, dictionary lines indented). */
export function parseKmsgDump(text: string): KmsgRecord[] {
  const out: KmsgRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(' ')) continue;
    const r = parseKmsgRecord(line);
    if (r) out.push(r);
  }
  return out;
}

/**
 * The `oom_kill` count of a memory cgroup: the same key in cgroup v2's `memory.events`
 * (`oom_kill 3`) and v1's `memory.oom_control` (kernel 4.13+). Undefined when the file
 * holds no such line (an older v1 kernel).
 */
export function parseOomKillCount(text: string): number | undefined {
  const m = /^oom_kill (\d+)$/m.exec(text);
  // A count past 2^53 is not exact: damaged text, not a count to compare with the last one.
  const n = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Where a process sits in the cgroup hierarchies that can count its OOM kills. */
export interface ProcCgroups {
  /** Its cgroup v2 path (`0::/path`). */
  unified?: string;
  /** Its cgroup v1 memory controller path (`N:memory:/path`, possibly co-mounted `memory,...`). */
  memory?: string;
}

/** Parses /proc/<pid>/cgroup (cgroups(7)): `hierarchy-ID:controller-list:cgroup-path` per line. */
export function parseProcCgroup(text: string): ProcCgroups {
  const out: ProcCgroups = {};
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) continue;
    const id = line.slice(0, a);
    const controllers = line.slice(a + 1, b).split(',');
    const path = line.slice(b + 1);
    if (id === '0' && controllers.length === 1 && controllers[0] === '') out.unified = path;
    else if (controllers.includes('memory')) out.memory = path;
  }
  return out;
}

/** What was learned about one end of a service, or about its cgroup while it ran. */
export interface OomEvidence {
  /** The signal that ended the main process, when it ended by one (`SIGKILL`). */
  signal?: string;
  /** systemd's `Result=` of the unit's last run (`oom-kill` when a process of it was OOM-killed). */
  systemdResult?: string;
  /** The service's memory cgroup counter before (last seen running) and now. */
  counter?: { file: string; before: number; after: number };
  /**
   * Whether the counter's cgroup is the service's alone (not the agent's own, which
   * process services share unless moved): only then does a rise while the service still
   * runs say something about it.
   */
  ownCgroup?: boolean;
  /** Kernel OOM kills naming this service's processes or cgroup, each with its log line. */
  kernel: readonly (KernelOomKill & { line: string })[];
  /** Lines of the unit's journal saying it was OOM-killed. */
  journal: readonly string[];
}

export interface OomVerdict {
  /** The killed process, when known: from the kernel's line, else the service's main process. */
  pid?: number;
  name?: string;
  /** One line for a status detail: `out of memory: the kernel's OOM killer killed node (pid 10804)`. */
  summary: string;
  /** The summary with its evidence, for a finding's excerpt. */
  excerpt: string;
}

const JOURNAL_OOM = /killed by the OOM killer|result 'oom-kill'|systemd-oomd killed/;

/** Whether a unit journal line says the unit was OOM-killed (systemd 243+ wording, systemd-oomd). */
export function isJournalOomLine(line: string): boolean {
  return JOURNAL_OOM.test(line);
}

/**
 * The rule: an OOM kill is named when the kernel's log names one of the service's
 * processes (or its own cgroup), when systemd says `Result=oom-kill` or its journal says
 * so, or when the service's memory cgroup counted a new `oom_kill` and either its main
 * process died of SIGKILL (the OOM killer's signal) or the cgroup is the service's alone.
 * A SIGKILL with no such evidence is not one: the agent's own forced stop, an operator's
 * `kill -9` and a watchdog all send it too.
 */
export function judgeOom(e: OomEvidence, main: { pid?: number; name?: string } = {}): OomVerdict | null {
  const rose = e.counter !== undefined && e.counter.after > e.counter.before;
  const reasons: string[] = [];
  if (e.kernel.length > 0) reasons.push(`kernel: ${e.kernel[e.kernel.length - 1]!.line}`);
  if (e.systemdResult === 'oom-kill') reasons.push('systemd: Result=oom-kill');
  if (e.journal.length > 0) reasons.push(`journal: ${e.journal[e.journal.length - 1]}`);
  const counterSays = rose && (e.signal === 'SIGKILL' || e.ownCgroup === true);
  if (reasons.length === 0 && !counterSays) return null;
  if (e.signal !== undefined) reasons.unshift(`killed by ${e.signal}`);
  if (rose) reasons.push(`${e.counter!.file}: oom_kill ${e.counter!.before} → ${e.counter!.after}`);
  const victim = e.kernel[e.kernel.length - 1];
  const pid = victim?.pid ?? main.pid;
  const name = victim?.name ?? main.name;
  const who = name !== undefined ? `${name}${pid !== undefined ? ` (pid ${pid})` : ''}` : pid !== undefined ? `pid ${pid}` : 'a process of the service';
  const summary = `out of memory: the kernel's OOM killer killed ${who}`;
  return { ...(pid !== undefined ? { pid } : {}), ...(name !== undefined ? { name } : {}), summary, excerpt: `${summary}; ${reasons.join('; ')}` };
}
