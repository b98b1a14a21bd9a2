import { spawn, type ChildProcess } from 'node:child_process';
import { systemClock, type Clock } from '@vigil/shared';
import { ServiceCommandError } from './errors.js';
import { LineRing, LineSplitter } from './lines.js';
import type { ExitNotice, LogLine, ServiceManager, ServiceStatus, StopResult, Unsubscribe } from './manager.js';
import { listGroupFromLeader, listProcessGroup, PROC_ROOT } from './procfs-read.js';
import type { ProcessServiceSpec } from './schema.js';
import { pollUntil } from './wait.js';

export interface ProcessManagerOptions {
  /** @default systemClock */
  clock?: Clock;
  /** stdout/stderr lines kept for `recentLogs`. @default 1000 */
  logCapacity?: number;
  /** Longest captured line; longer ones are cut. @default 4096 */
  maxLineLength?: number;
  /** Grace used by `restart()`. @default the service's recovery.gracefulStopTimeout */
  restartGraceMs?: number;
  /** How often `stop` looks whether the process group is gone. @default 25 */
  pollMs?: number;
  /** How long to wait for the group to vanish after SIGKILL. @default 2000 */
  killWaitMs?: number;
  /** @default /proc */
  procRoot?: string;
}

/** One run of the service: a child and the process group it leads. */
interface Generation {
  child: ChildProcess;
  pgid: number;
  startedAt: number;
  exit?: { code: number | null; signal: NodeJS.Signals | null; at: number };
  /** The agent stopped it on purpose: its end is `inactive`, not `failed`. */
  stopRequested: boolean;
  /** `resetFailed` was called after it failed. */
  failureCleared: boolean;
}

/**
 * Runs a service as a child of the agent, in its own process group (`detached`), so that a
 * stop or a kill reaches the service and its children and nothing else. A crash is known at
 * once from the child's `exit` event.
 */
export class ProcessManager implements ServiceManager {
  readonly kind = 'process' as const;
  readonly name: string;
  private readonly clock: Clock;
  private readonly ring: LineRing;
  private readonly pollMs: number;
  private readonly killWaitMs: number;
  private readonly restartGraceMs: number;
  private readonly maxLineLength: number;
  private readonly procRoot: string;
  private readonly exitListeners = new Set<(n: ExitNotice) => void>();
  private readonly logListeners = new Set<(l: LogLine) => void>();
  private gen: Generation | undefined;
  private spawnError: { message: string; at: number } | undefined;

  constructor(
    private readonly spec: ProcessServiceSpec,
    options: ProcessManagerOptions = {},
  ) {
    this.name = spec.name;
    this.clock = options.clock ?? systemClock;
    this.ring = new LineRing(options.logCapacity ?? 1000);
    this.pollMs = options.pollMs ?? 25;
    this.killWaitMs = options.killWaitMs ?? 2_000;
    this.restartGraceMs = options.restartGraceMs ?? spec.recovery.gracefulStopTimeout;
    this.maxLineLength = options.maxLineLength ?? 4096;
    this.procRoot = options.procRoot ?? PROC_ROOT;
  }

  async status(): Promise<ServiceStatus> {
    const gen = this.gen;
    if (!gen) {
      if (this.spawnError) return { state: 'failed', pids: [], since: this.spawnError.at, detail: this.spawnError.message };
      return { state: 'inactive', pids: [], detail: 'not started' };
    }
    const pids = await this.groupMembers(gen);
    if (!gen.exit) {
      return { state: 'running', pids: pids.length > 0 ? pids : [gen.pgid], since: gen.startedAt };
    }
    const { code, signal, at } = gen.exit;
    const how = signal ? `killed by signal ${signal}` : `exited with code ${code}`;
    const clean = gen.stopRequested || gen.failureCleared || code === 0;
    return { state: clean ? 'inactive' : 'failed', pids, since: at, detail: gen.stopRequested ? `stopped (${how})` : how };
  }

  async start(): Promise<void> {
    if (this.gen && !this.gen.exit) return; // already running, as `systemctl start` would say
    const [file, ...args] = this.spec.command as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      // Its own process group: signals to -pgid then reach the service and its children only.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      this.spawnError = { message: `cannot start ${file}: ${(err as Error).message}`, at: this.clock.now() };
      throw new ServiceCommandError(this.spawnError.message, { command: this.spec.command, cause: err });
    }
    this.spawnError = undefined;
    const gen: Generation = { child, pgid: child.pid!, startedAt: this.clock.now(), stopRequested: false, failureCleared: false };
    this.gen = gen;
    // Later errors (e.g. a signal that could not be sent) must not crash the agent.
    child.on('error', () => {});
    this.capture(child, 'stdout');
    this.capture(child, 'stderr');
    child.once('exit', (code, signal) => {
      gen.exit = { code, signal, at: this.clock.now() };
      const notice: ExitNotice = { pid: gen.pgid, code, signal, at: gen.exit.at };
      for (const cb of this.exitListeners) cb(notice);
    });
  }

  async stop(graceMs: number): Promise<StopResult> {
    const gen = this.gen;
    if (!gen) return { exited: true, forced: false, waitedMs: 0 };
    gen.stopRequested = true;
    if (!(await this.alive(gen))) return { exited: true, forced: false, waitedMs: 0 };
    this.signalGroup(gen, 'SIGTERM');
    const graceful = await pollUntil(this.clock, async () => !(await this.alive(gen)), { timeoutMs: graceMs, everyMs: this.pollMs });
    if (graceful.ok) return { exited: true, forced: false, waitedMs: graceful.waitedMs };
    this.signalGroup(gen, 'SIGKILL');
    const killed = await pollUntil(this.clock, async () => !(await this.alive(gen)), { timeoutMs: this.killWaitMs, everyMs: this.pollMs });
    return { exited: killed.ok, forced: true, waitedMs: graceful.waitedMs + killed.waitedMs };
  }

  async forceKill(): Promise<void> {
    const gen = this.gen;
    if (!gen) return;
    gen.stopRequested = true;
    if (!(await this.alive(gen))) return;
    this.signalGroup(gen, 'SIGKILL');
    await pollUntil(this.clock, async () => !(await this.alive(gen)), { timeoutMs: this.killWaitMs, everyMs: this.pollMs });
  }

  async resetFailed(): Promise<void> {
    if (this.gen?.exit) this.gen.failureCleared = true;
    this.spawnError = undefined;
  }

  /** Nothing to reload: the command is read at every start. */
  async daemonReload(): Promise<void> {}

  async restart(): Promise<void> {
    await this.stop(this.restartGraceMs);
    await this.start();
  }

  async pids(): Promise<number[]> {
    return this.gen ? this.groupMembers(this.gen) : [];
  }

  onExit(cb: (notice: ExitNotice) => void): Unsubscribe {
    this.exitListeners.add(cb);
    return () => this.exitListeners.delete(cb);
  }

  async recentLogs(sinceMs: number): Promise<LogLine[]> {
    return this.ring.since(sinceMs);
  }

  onLog(cb: (line: LogLine) => void): Unsubscribe {
    this.logListeners.add(cb);
    return () => this.logListeners.delete(cb);
  }

  /** Kills the service (the agent owns its lifetime) and drops the subscribers. */
  async close(): Promise<void> {
    await this.forceKill();
    this.exitListeners.clear();
    this.logListeners.clear();
  }

  private capture(child: ChildProcess, stream: 'stdout' | 'stderr'): void {
    const source = child[stream];
    if (!source) return;
    const splitter = new LineSplitter((text) => {
      const line: LogLine = { at: this.clock.now(), stream, text };
      this.ring.push(line);
      for (const cb of this.logListeners) {
        try {
          cb(line);
        } catch {
          // A faulty subscriber must not stop the capture of the service's output.
        }
      }
    }, this.maxLineLength);
    source.on('data', (chunk: Buffer) => splitter.write(chunk));
    source.on('end', () => splitter.end());
  }

  private async groupMembers(gen: Generation): Promise<number[]> {
    // While the leader lives, walking down from it is enough and costs a few reads; a
    // whole-/proc scan (one read per process on the host) only once it is gone.
    const members = gen.exit ? await listProcessGroup(gen.pgid, this.procRoot) : await listGroupFromLeader(gen.pgid, this.procRoot);
    if (!gen.exit && !members.includes(gen.pgid)) members.unshift(gen.pgid);
    return members;
  }

  /** The child has not been reaped yet, or something is left in its group. */
  private async alive(gen: Generation): Promise<boolean> {
    if (!gen.exit) return true;
    return (await listProcessGroup(gen.pgid, this.procRoot)).length > 0;
  }

  private signalGroup(gen: Generation, signal: NodeJS.Signals): void {
    try {
      process.kill(-gen.pgid, signal);
    } catch (err) {
      // ESRCH: the group is already empty.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}
