// CPU and memory of processes and the machine, from /proc. Reading is kept apart from
// parsing; the parsers are pure so they can be checked against captured files.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** utime and stime (clock ticks) from /proc/<pid>/stat; the command name may hold spaces and parens. */
export function parseStat(text) {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  return { utime: Number(rest[11]), stime: Number(rest[12]), threads: Number(rest[17]) };
}

/** VmRSS and VmHWM in bytes from /proc/<pid>/status. */
export function parseStatus(text) {
  const kb = (key) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** The three load averages from /proc/loadavg. */
export function parseLoadavg(text) {
  const [l1, l5, l15] = text.trim().split(/\s+/).map(Number);
  return { load1: l1, load5: l5, load15: l15 };
}

/** Busy and total jiffies of all CPUs from the first line of /proc/stat. */
export function parseCpuLine(text) {
  const f = text.split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0); // idle + iowait
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already in user
  return { busy: total - idle, total };
}

/** Soft limit of open files from /proc/<pid>/limits, or null when unlimited/unknown. */
export function parseOpenFilesLimit(text) {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m || m[1] === 'unlimited') return null;
  return Number(m[1]);
}

export const readStat = (pid) => parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
export const readStatus = (pid) => parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
export const readLoadavg = () => parseLoadavg(readFileSync('/proc/loadavg', 'utf8'));
export const readCpu = () => parseCpuLine(readFileSync('/proc/stat', 'utf8'));

/**
 * UDP datagrams the kernel dropped because a socket's receive buffer was full, machine-wide
 * (`Udp: RcvbufErrors` of /proc/net/snmp): liveness datagrams the coordinator's receiver
 * did not read in time. Null where the counter is not there.
 */
export function parseUdpRcvbufErrors(snmp) {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp: '));
  if (lines.length < 2) return null;
  const names = lines[0].trim().split(/\s+/);
  const values = lines[1].trim().split(/\s+/);
  const i = names.indexOf('RcvbufErrors');
  return i > 0 ? Number(values[i]) : null;
}
export const readUdpRcvbufErrors = () => parseUdpRcvbufErrors(readFileSync('/proc/net/snmp', 'utf8'));
export const readOpenFilesLimit = (pid = 'self') => parseOpenFilesLimit(readFileSync(`/proc/${pid}/limits`, 'utf8'));

let ticks;
/** USER_HZ: 100 on every mainstream Linux, asked once in case this one differs. */
export function clockTicks() {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/**
 * Samples CPU (share of one core since the previous sample) and RSS of a set of named
 * PIDs every `intervalMs`, plus the machine's busy share and load. A vanished PID stops
 * yielding samples instead of failing the run.
 */
export class ProcSampler {
  constructor(pids, intervalMs = 1000) {
    this.pids = pids; // { name: pid }
    this.intervalMs = intervalMs;
    this.samples = []; // { t, machineBusyPct, load1, procs: { name: { cpuPct, rss } } }
    this.prev = null;
    this.timer = undefined;
  }

  #snapshot() {
    const t = performance.now();
    const procs = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      try {
        const s = readStat(pid);
        procs[name] = { ticks: s.utime + s.stime, rss: readStatus(pid).rss };
      } catch {
        // exited: leave it out
      }
    }
    return { t, cpu: readCpu(), procs };
  }

  sampleNow() {
    const cur = this.#snapshot();
    const prev = this.prev;
    this.prev = cur;
    if (!prev) return;
    const dt = (cur.t - prev.t) / 1000;
    const hz = clockTicks();
    const procs = {};
    for (const [name, p] of Object.entries(cur.procs)) {
      const before = prev.procs[name];
      procs[name] = { cpuPct: before ? ((p.ticks - before.ticks) / hz / dt) * 100 : null, rss: p.rss };
    }
    const dTotal = cur.cpu.total - prev.cpu.total;
    const machineBusyPct = dTotal > 0 ? ((cur.cpu.busy - prev.cpu.busy) / dTotal) * 100 : null;
    this.samples.push({ t: cur.t, machineBusyPct, load1: readLoadavg().load1, procs });
  }

  start() {
    this.sampleNow();
    this.timer = setInterval(() => this.sampleNow(), this.intervalMs);
    this.timer.unref();
  }

  stop() {
    clearInterval(this.timer);
  }

  /** Samples taken in [from, to] (performance.now() times). */
  between(from, to) {
    return this.samples.filter((s) => s.t >= from && s.t <= to);
  }
}
