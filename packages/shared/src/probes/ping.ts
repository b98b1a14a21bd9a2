import { execInProcess, type ExecFile } from './exec.js';
import { isNeverResolvable } from './target.js';
import type { PingCounts, PingDetail, Probe, ProbeContext, ProbeError, ProbeOutcome, ProbeRequest } from './types.js';

declare module './types.js' {
  interface ProbeDetails {
    ping: PingDetail;
  }
}

/** What ping's closing statistics say. */
export interface PingSummary extends PingCounts {
  readonly corrupted?: number;
  /** ping's own figure for how long it ran. */
  readonly timeMs?: number;
  /**
   * Set when there were no statistics: ping's complaint (`ping: x: Name or service not
   * known`) or a note that the text was not ping output. Then nothing was sent.
   */
  readonly failure?: string;
}

// iputils: "4 packets transmitted, 4 received, +1 duplicates, +3 errors, 0% packet loss, time 3004ms"
// busybox and BSD: "4 packets transmitted, 4 packets received, 0.0% packet loss"
const STATS = /(\d+) packets transmitted, (\d+) (?:packets )?received((?:, \+?\d+ (?:duplicates|corrupted|errors))*)(?:, ([\d.]+)% packet loss)?(?:, time (\d+)ms)?/;
const EXTRA = /\+?(\d+) (duplicates|corrupted|errors)/g;
// iputils: "rtt min/avg/max/mdev = 0.023/0.034/0.039/0.006 ms[, pipe 3][, ipg/ewma ...]"
// busybox: "round-trip min/avg/max = ..."; BSD: "round-trip min/avg/max/stddev = ..."
const RTT = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/([\d.]+))? ms/;
const COMPLAINT = /^ping: (.+)$/m;

/** Reads ping's summary out of its output. Pure: it never fails, whatever the text. */
export function parsePingOutput(text: string): PingSummary {
  const stats = STATS.exec(text);
  const transmitted = whole(stats?.[1]);
  const received = whole(stats?.[2]);
  if (!stats || transmitted === undefined || received === undefined) {
    const complaint = COMPLAINT.exec(text);
    return {
      transmitted: 0,
      received: 0,
      lossPercent: 100,
      rttMinMs: null,
      rttAvgMs: null,
      rttMaxMs: null,
      rttMdevMs: null,
      failure: complaint ? complaint[1]!.trim().slice(0, 1024) : stats ? 'packet counts in ping output too large to be exact' : 'no statistics in ping output',
    };
  }
  // "1.2.3% packet loss" or "250%" is no loss figure: count it from the packets instead.
  const printed = stats[4] === undefined ? NaN : Number(stats[4]);
  const printedLoss = printed >= 0 && printed <= 100 ? printed : undefined;
  const lossPercent =
    printedLoss ?? (transmitted > 0 ? (Math.max(0, transmitted - received) * 100) / transmitted : 100);

  const extras: { errors?: number; duplicates?: number; corrupted?: number } = {};
  for (const m of (stats[3] ?? '').matchAll(EXTRA)) {
    const n = whole(m[1]);
    if (n !== undefined) extras[m[2] as keyof typeof extras] = n;
  }

  const rtt = RTT.exec(text);
  const num = (s: string | undefined): number | null => {
    const n = s === undefined ? NaN : Number(s);
    return Number.isFinite(n) ? n : null;
  };
  const timeMs = whole(stats[5]);
  return {
    transmitted,
    received,
    lossPercent,
    rttMinMs: num(rtt?.[1]),
    rttAvgMs: num(rtt?.[2]),
    rttMaxMs: num(rtt?.[3]),
    rttMdevMs: num(rtt?.[4]),
    ...extras,
    ...(timeMs === undefined ? {} : { timeMs }),
  };
}

/** A count ping printed, when it is exact (digits past 2^53 are not). */
function whole(text: string | undefined): number | undefined {
  const n = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Resolver complaints that mean the name does not exist or cannot be resolved now. */
const NAME_FAILURE = /name or service not known|failure in name resolution|no address associated|unknown host|cannot resolve/i;

/**
 * The runbook's verdict on a summary: up when loss is below the threshold. A host that
 * answered nothing at all fails even if ping printed no loss figure.
 */
export function judgePing(summary: PingSummary, maxLossPercent: number): ProbeError | null {
  if (summary.failure !== undefined) {
    return { code: NAME_FAILURE.test(summary.failure) ? 'not_found' : 'network', message: summary.failure };
  }
  if (summary.transmitted === 0) return { code: 'network', message: 'ping sent no packets' };
  if (summary.lossPercent >= maxLossPercent) {
    const errors = summary.errors ? `, ${summary.errors} ICMP errors` : '';
    return {
      code: 'packet_loss',
      message: `${summary.lossPercent}% packet loss (${summary.received} of ${summary.transmitted} replies${errors}); the limit is below ${maxLossPercent}%`,
    };
  }
  return null;
}

export interface PingProbeOptions {
  /** Replies to wait for (`-c`); the runbook's `ping -c 4`. @default 4 */
  count?: number;
  /** Seconds between packets (`-i`); short, so a healthy host is judged in well under a second. @default 0.2 */
  intervalS?: number;
  /** Seconds to wait for each reply (`-W`). @default 1 */
  replyWaitS?: number;
  /** Loss at or above this fails the probe; the runbook says loss must stay below 25 %. @default 25 */
  maxLossPercent?: number;
  /** Budget when the request names none; becomes ping's overall deadline (`-w`), in whole seconds. @default 2000 */
  defaultTimeoutMs?: number;
  /** The program to run, looked up on PATH. @default 'ping' */
  command?: string;
  /** How the program is run. @default execFile in this process */
  exec?: ExecFile;
}

/**
 * ping's argv; fixed apart from the validated target and the deadline. `-n` keeps ping
 * off reverse DNS, `-q` leaves only the summary, `--` ends options before the target.
 */
export function pingArgv(target: string, deadlineS: number, o: Omit<Required<PingProbeOptions>, 'exec'>): string[] {
  return ['-n', '-q', '-c', String(o.count), '-i', String(o.intervalS), '-W', String(o.replyWaitS), '-w', String(deadlineS), '--', target];
}

/** Output beyond this is not a ping summary; -q keeps the real thing to a few hundred bytes. */
const MAX_OUTPUT = 64 * 1024;

interface Exit {
  output: string;
  exitCode: number | null;
  spawnError?: ProbeError;
}

async function runPing(exec: ExecFile, command: string, argv: string[], ctx: ProbeContext): Promise<Exit> {
  // The C locale keeps the summary in the English the parser reads.
  const r = await exec(command, argv, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, maxBuffer: MAX_OUTPUT, signal: ctx.signal });
  const output = `${r.stdout}\n${r.stderr}`;
  if (!r.error) return { output, exitCode: 0 };
  const code = r.error.code;
  if (typeof code === 'number') return { output, exitCode: code };
  if (r.error.name === 'AbortError') {
    return { output, exitCode: null, spawnError: { code: 'timeout', message: `ping did not finish within ${ctx.timeoutMs} ms` } };
  }
  if (code === 'ENOENT') {
    return { output, exitCode: null, spawnError: { code: 'internal', message: `${command} is not installed or not on PATH` } };
  }
  // Killed for too much output, or by someone else: judge whatever it printed.
  return { output, exitCode: null };
}

export function createPingProbe(options: PingProbeOptions = {}): Probe<'ping'> {
  const o: Required<PingProbeOptions> = {
    count: options.count ?? 4,
    intervalS: options.intervalS ?? 0.2,
    replyWaitS: options.replyWaitS ?? 1,
    maxLossPercent: options.maxLossPercent ?? 25,
    defaultTimeoutMs: options.defaultTimeoutMs ?? 2000,
    command: options.command ?? 'ping',
    exec: options.exec ?? execInProcess,
  };
  return {
    kind: 'ping',
    toWire: (d) => ({ transmitted: d.transmitted, received: d.received, lossPercent: d.lossPercent, rttAvgMs: d.rttAvgMs ?? 0 }),
    defaultTimeoutMs: o.defaultTimeoutMs,
    // ping's deadline is counted in whole seconds.
    minTimeoutMs: 1000,
    async run(request: ProbeRequest, ctx: ProbeContext): Promise<ProbeOutcome<PingDetail>> {
      const empty = (exitCode: number | null): PingDetail => ({
        kind: 'ping', transmitted: 0, received: 0, lossPercent: 100,
        rttMinMs: null, rttAvgMs: null, rttMaxMs: null, rttMdevMs: null, exitCode,
      });
      if (isNeverResolvable(request.target)) {
        return { ok: false, detail: empty(null), error: { code: 'not_found', message: `${request.target} is a reserved name that never resolves` } };
      }
      const deadlineS = Math.max(1, Math.floor(ctx.timeoutMs / 1000));
      const exit = await runPing(o.exec, o.command, pingArgv(request.target, deadlineS, o), ctx);
      if (exit.spawnError) return { ok: false, detail: empty(exit.exitCode), error: exit.spawnError };

      const s = parsePingOutput(exit.output);
      const detail: PingDetail = {
        kind: 'ping',
        transmitted: s.transmitted,
        received: s.received,
        lossPercent: s.lossPercent,
        rttMinMs: s.rttMinMs,
        rttAvgMs: s.rttAvgMs,
        rttMaxMs: s.rttMaxMs,
        rttMdevMs: s.rttMdevMs,
        ...(s.errors === undefined ? {} : { errors: s.errors }),
        ...(s.duplicates === undefined ? {} : { duplicates: s.duplicates }),
        exitCode: exit.exitCode,
      };
      const error = judgePing(s, o.maxLossPercent);
      return error ? { ok: false, detail, error } : { ok: true, detail };
    },
  };
}

/** The ping probe with the runbook's settings. */
export const pingProbe = createPingProbe();
