import { readProcText } from '../proc-text.js';
import { systemClock, type Clock } from '@vigil/shared';
import { z } from 'zod';
import { runCommand, type RunCommand } from './exec.js';
import { parseJournalJson } from './journal.js';
import type { ExitNotice, LogLine, ServiceManager, ServiceStatus, StopResult, Unsubscribe } from './manager.js';
import { parseCgroupProcs } from './procfs.js';
import { anyAlive, identify, PROC_ROOT, signalPid } from './procfs-read.js';
import { defineManagerKind, type ServiceSpecOf } from './manager-kind.js';
import { parseShowOutput, SHOW_PROPERTIES, toUnitProperties, unitStatus, type UnitProperties } from './systemd-show.js';
import { pollUntil } from './wait.js';

/**
 * A systemd unit name. It is passed as an argv element, so a leading `-` would be read as
 * an option by systemctl: the pattern forbids it (no shell is involved, but options are).
 */
const unitName = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9_.@:\\][A-Za-z0-9_.@:\\-]*$/, 'is not a systemd unit name (letters, digits and _ . @ : \\ -, not starting with -)');

function systemdFields() {
  return {
    unit: unitName,
    /** Also read the unit's journal (`journalctl -u UNIT`). @default true */
    journal: z.boolean().default(true),
  };
}

export type SystemdServiceSpec = ServiceSpecOf<'systemd', ReturnType<typeof systemdFields>>;

export interface SystemdManagerOptions {
  /** @default systemClock */
  clock?: Clock;
  /** Runs systemctl and journalctl. @default execFile with a fixed argv */
  run?: RunCommand;
  /** Environment of systemctl/journalctl; its PATH decides which binaries run. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default 'systemctl' */
  systemctl?: string;
  /** @default 'journalctl' */
  journalctl?: string;
  /**
   * Where the unit's ControlGroup is looked up, first match wins: the unified hierarchy,
   * then the hybrid layout's unified and systemd-named mounts.
   * @default ['/sys/fs/cgroup', '/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd']
   */
  cgroupRoots?: readonly string[];
  /** @default /proc */
  procRoot?: string;
  /** How often `stop` and `forceKill` look whether the processes are gone. @default 100 */
  pollMs?: number;
  /** How long `forceKill` waits for the killed processes to vanish. @default 2000 */
  killWaitMs?: number;
  /** Longest a systemctl/journalctl call may take. @default 15000 */
  commandTimeoutMs?: number;
  /** CLOCK_MONOTONIC in µs, the clock of systemd's *Monotonic timestamps. @default process.hrtime */
  monotonicNowUs?: () => number;
}

const DEFAULT_CGROUP_ROOTS = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd'] as const;

/**
 * A systemd unit, driven through systemctl with fixed argv (never a shell). Its processes are
 * the unit's MainPID plus its cgroup's members, never a name match. Jobs are queued with
 * `--no-block` and their effect is verified by polling, so a unit that hangs in a stop or a
 * start cannot stall the agent beyond the runbook's timeouts.
 */
export class SystemdManager implements ServiceManager {
  readonly kind = 'systemd' as const;
  readonly name: string;
  private readonly unit: string;
  private readonly clock: Clock;
  private readonly run: RunCommand;
  private readonly env: NodeJS.ProcessEnv;
  private readonly systemctl: string;
  private readonly journalctl: string;
  private readonly cgroupRoots: readonly string[];
  private readonly procRoot: string;
  private readonly pollMs: number;
  private readonly killWaitMs: number;
  private readonly commandTimeoutMs: number;
  private readonly monotonicNowUs: () => number;

  constructor(
    private readonly spec: SystemdServiceSpec,
    options: SystemdManagerOptions = {},
  ) {
    this.name = spec.name;
    this.unit = spec.unit;
    this.clock = options.clock ?? systemClock;
    this.run = options.run ?? runCommand;
    this.env = options.env ?? process.env;
    this.systemctl = options.systemctl ?? 'systemctl';
    this.journalctl = options.journalctl ?? 'journalctl';
    this.cgroupRoots = options.cgroupRoots ?? DEFAULT_CGROUP_ROOTS;
    this.procRoot = options.procRoot ?? PROC_ROOT;
    this.pollMs = options.pollMs ?? 100;
    this.killWaitMs = options.killWaitMs ?? 2_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 15_000;
    this.monotonicNowUs = options.monotonicNowUs ?? (() => Number(process.hrtime.bigint() / 1000n));
  }

  async status(): Promise<ServiceStatus> {
    const props = await this.show();
    const status = unitStatus(props, { nowMs: this.clock.now(), monotonicNowUs: this.monotonicNowUs() });
    return { ...status, pids: await this.pidsOf(props) };
  }

  async start(): Promise<void> {
    await this.systemctlRun(['start', '--no-block', this.unit]);
  }

  async stop(graceMs: number): Promise<StopResult> {
    const before = await identify(await this.pids(), this.procRoot);
    await this.systemctlRun(['stop', '--no-block', this.unit]);
    if (before.length === 0) return { exited: true, forced: false, waitedMs: 0 };
    const r = await pollUntil(this.clock, async () => !(await anyAlive(before, this.procRoot)), { timeoutMs: graceMs, everyMs: this.pollMs });
    // systemd itself escalates to SIGKILL after the unit's TimeoutStopSec; the agent does not race it here.
    return { exited: r.ok, forced: false, waitedMs: r.waitedMs };
  }

  async forceKill(): Promise<void> {
    const targets = await identify(await this.pids(), this.procRoot);
    for (const t of targets) signalPid(t.pid, 'SIGKILL');
    if (targets.length > 0) {
      await pollUntil(this.clock, async () => !(await anyAlive(targets, this.procRoot)), { timeoutMs: this.killWaitMs, everyMs: this.pollMs });
    }
  }

  async resetFailed(): Promise<void> {
    await this.systemctlRun(['reset-failed', this.unit]);
  }

  async daemonReload(): Promise<void> {
    await this.systemctlRun(['daemon-reload']);
  }

  async restart(): Promise<void> {
    await this.systemctlRun(['restart', '--no-block', this.unit]);
  }

  async pids(): Promise<number[]> {
    return this.pidsOf(await this.show());
  }

  /** systemd gives no push notice here; the watcher polls `status()`. */
  onExit(_cb: (notice: ExitNotice) => void): Unsubscribe {
    return () => {};
  }

  async recentLogs(sinceMs: number): Promise<LogLine[]> {
    if (!this.spec.journal) return [];
    // journalctl takes whole seconds after `@`; the exact cut is made on the entries below.
    const sinceSec = Math.floor(sinceMs / 1000);
    const { stdout } = await this.run(this.journalctl, ['-u', this.unit, '-o', 'json', '--all', '--no-pager', '--since', `@${sinceSec}`], {
      env: this.env,
      timeoutMs: this.commandTimeoutMs,
    });
    return parseJournalJson(stdout)
      .entries.filter((e) => e.at >= sinceMs)
      .map((e) => ({ at: e.at, stream: 'journal' as const, text: e.message }));
  }

  /** The journal is followed by the log module; nothing is captured here. */
  onLog(_cb: (line: LogLine) => void): Unsubscribe {
    return () => {};
  }

  /** The unit belongs to systemd: closing the manager leaves it as it is. */
  async close(): Promise<void> {}

  private async show(): Promise<UnitProperties> {
    const { stdout } = await this.systemctlRun(['show', this.unit, `--property=${SHOW_PROPERTIES.join(',')}`]);
    return toUnitProperties(parseShowOutput(stdout));
  }

  private systemctlRun(args: string[]) {
    return this.run(this.systemctl, args, { env: this.env, timeoutMs: this.commandTimeoutMs });
  }

  /** MainPID first, then the rest of the unit's cgroup. */
  private async pidsOf(p: UnitProperties): Promise<number[]> {
    const pids = p.mainPid > 0 ? [p.mainPid] : [];
    if (p.controlGroup) {
      for (const root of this.cgroupRoots) {
        let text: string;
        try {
          text = readProcText(`${root}${p.controlGroup}/cgroup.procs`);
        } catch {
          continue;
        }
        for (const pid of parseCgroupProcs(text)) if (!pids.includes(pid)) pids.push(pid);
        break;
      }
    }
    return pids;
  }
}

export const systemdManagerKind = defineManagerKind({
  kind: 'systemd',
  fields: systemdFields,
  create: (spec, deps: Omit<SystemdManagerOptions, 'clock'> | undefined, clock) => new SystemdManager(spec, { ...deps, ...(clock ? { clock } : {}) }),
  ownsProcesses: false,
});
