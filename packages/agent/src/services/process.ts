import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '@vigil/shared';
import { z } from 'zod';
import { ServiceCommandError } from './errors.js';
import { LineRing, LineSplitter } from './lines.js';
import type { AdoptOutcome, ExitNotice, LogLine, ServiceManager, ServiceStatus, StopResult, Unsubscribe } from './manager.js';
import { OutputFollower, type PollGrid } from './output-file.js';
import { checkRecord, type ProcessRecordStore } from './process-record.js';
import { findMarked, instanceMarker, INSTANCE_ENV } from './instance-marker.js';
import { isGone } from './procfs.js';
import { GroupWalk } from './group-walk.js';
import { listProcessGroup, PROC_ROOT, readProcStat } from './procfs-read.js';
import { absolutePath } from './fields.js';
import { defineManagerKind, type ServiceSpecOf } from './manager-kind.js';
import { pollUntil } from './wait.js';

function processFields() {
  return {
    /** argv of the service; the first element is the program, resolved on PATH. No shell. */
    command: z.array(z.string().min(1)).min(1, 'must name at least the program to run'),
    /** Working directory. @default the agent's */
    cwd: absolutePath.optional(),
    /** Extra environment, added to the agent's own. @default {} */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not an environment variable name'), z.string()).default({}),
    /**
     * On a graceful stop of the agent (SIGTERM: `systemctl stop` or `restart`, a package
     * upgrade): false leaves the service running, and the next agent adopts it with the
     * same PID and no recovery; true stops it with the agent (a service that must not
     * outlive its supervisor). A crashed agent never stops it. @default false
     */
    stopWithAgent: z.boolean().default(false),
  };
}

export type ProcessServiceSpec = ServiceSpecOf<'process', ReturnType<typeof processFields>>;

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
  /** Where the running group is written down for the next agent (see process-record.ts). @default none: nothing is recorded or adopted */
  record?: ProcessRecordStore;
  /** How often an adopted service's main process is looked for in /proc (it is not our child: no exit event). @default 250 */
  adoptPollMs?: number;
  /**
   * Marks the service's environment (instance-marker.ts) so a copy started by an agent that
   * died before writing its record is still found and adopted. Unique per agent data dir
   * and service. @default none: only the record is used
   */
  instanceTag?: string;
  /**
   * Files the service's stdout and stderr are appended to (and followed from), instead of
   * pipes to the agent: output that outlives the agent, so the service survives an agent
   * crash and can be adopted. @default pipes
   */
  outputFiles?: { stdout: string; stderr: string };
  /** When the output files' polls fall (output-file.ts): the agent passes its beat. */
  outputGrid?: PollGrid;
}

/** How long an exit waits for the child's last output to arrive. */
const EXIT_OUTPUT_WAIT_MS = 50;

/** One run of the service: a child (or an adopted process) and the process group it leads. */
interface Generation {
  /** Absent for a process adopted from an earlier agent. */
  child: ChildProcess | undefined;
  /** An adopted leader's start time, to tell it from a later process given its PID. */
  adoptedStarttime?: number;
  pgid: number;
  /** Its members, walked down from the leader while it lives. */
  walk: GroupWalk;
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
  private readonly record: ProcessRecordStore | undefined;
  private readonly adoptPollMs: number;
  private readonly instanceTag: string | undefined;
  private gen: Generation | undefined;
  private adoptTimer: TimerHandle | undefined;
  private readonly outputFiles: { stdout: string; stderr: string } | undefined;
  private readonly outputGrid: PollGrid | undefined;
  private followers: { stdout: OutputFollower; stderr: OutputFollower } | undefined;
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
    this.record = options.record;
    this.adoptPollMs = options.adoptPollMs ?? 250;
    this.instanceTag = options.instanceTag;
    this.outputFiles = options.outputFiles;
    this.outputGrid = options.outputGrid;
  }

  async status(): Promise<ServiceStatus> {
    const gen = this.gen;
    if (!gen) {
      if (this.spawnError) return { state: 'failed', pids: [], since: this.spawnError.at, detail: this.spawnError.message };
      return { state: 'inactive', pids: [], detail: 'not started' };
    }
    // An adopted leader's end has no event: a status read looks for itself.
    if (!gen.child && !gen.exit) await this.adoptedLeaderAlive(gen);
    const pids = await this.groupMembers(gen);
    if (!gen.exit) {
      return { state: 'running', pids: pids.length > 0 ? pids : [gen.pgid], since: gen.startedAt };
    }
    const { code, signal, at } = gen.exit;
    const how = signal ? `killed by signal ${signal}` : code === null ? `exited (pid ${gen.pgid} was adopted from an earlier agent: not its child, so its exit status is unknown)` : `exited with code ${code}`;
    const clean = gen.stopRequested || gen.failureCleared || code === 0;
    return { state: clean ? 'inactive' : 'failed', pids, since: at, detail: gen.stopRequested ? `stopped (${how})` : how };
  }

  async start(): Promise<void> {
    if (this.gen && !this.gen.exit) return; // already running, as `systemctl start` would say
    const [file, ...args] = this.spec.command as [string, ...string[]];
    const fds: number[] = [];
    let stdio: StdioOptions = ['ignore', 'pipe', 'pipe'];
    if (this.outputFiles) {
      const { stdout, stderr } = this.outputFiles;
      try {
        for (const f of [stdout, stderr]) {
          mkdirSync(dirname(f), { recursive: true });
          fds.push(openSync(f, 'a'));
        }
        // After the files exist (a first start makes them): a file can be watched, a
        // missing one only polled.
        this.followOutput();
        stdio = ['ignore', fds[0]!, fds[1]!];
      } catch (err) {
        for (const fd of fds) closeSync(fd);
        this.spawnError = { message: `cannot open ${stdout} and ${stderr} for the output of ${file}: ${(err as Error).message}`, at: this.clock.now() };
        throw new ServiceCommandError(this.spawnError.message, { command: this.spec.command, cause: err });
      }
    }
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: this.spec.cwd,
        env: { ...process.env, ...this.spec.env, ...(this.instanceTag ? { [INSTANCE_ENV]: instanceMarker(this.instanceTag, this.spec.command) } : {}) },
        // Its own process group: signals to -pgid then reach the service and its children only.
        detached: true,
        stdio,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      this.spawnError = { message: `cannot start ${file}: ${(err as Error).message}`, at: this.clock.now() };
      throw new ServiceCommandError(this.spawnError.message, { command: this.spec.command, cause: err });
    } finally {
      // The child has its own copies; ours would keep the files open for nothing.
      for (const fd of fds) closeSync(fd);
    }
    this.spawnError = undefined;
    const gen: Generation = { child, pgid: child.pid!, walk: new GroupWalk(child.pid!, this.procRoot), startedAt: this.clock.now(), stopRequested: false, failureCleared: false };
    this.gen = gen;
    // Later errors (e.g. a signal that could not be sent) must not crash the agent.
    child.on('error', () => {});
    this.capture(child, 'stdout');
    this.capture(child, 'stderr');
    child.once('exit', (code, signal) => this.childExited(child, gen, code, signal));
    await this.writeRecord(gen);
  }

  /**
   * Takes over the group the record names when its leader is still the process recorded
   * (same start time: not a reused PID) and runs the command the config declares now.
   * A live group running another command (the config changed while no agent ran) is
   * stopped, so the start that follows does not fight it for its port.
   */
  async adopt(): Promise<AdoptOutcome> {
    if (this.gen && !this.gen.exit) return { adopted: false, detail: 'already running under this agent' };
    let r = this.record?.load();
    let notRecorded = r ? undefined : 'no process recorded';
    if (r) {
      const check = await checkRecord(r, this.procRoot);
      if (!check.alive) {
        this.record!.clear();
        notRecorded = `recorded process not running: ${check.why}`;
        r = undefined;
      }
    }
    if (!r) {
      // An agent killed between starting the service and recording it left a copy no
      // record names: found by its environment marker, it is taken over like a recorded one.
      const orphan = this.record && this.instanceTag ? (await findMarked(this.instanceTag, this.spec.command, this.procRoot))[0] : undefined;
      if (!orphan) return { adopted: false, detail: notRecorded! };
      r = { pgid: orphan.pid, pid: orphan.pid, starttime: orphan.starttime, command: orphan.sameCommand ? [...this.spec.command] : orphan.command, startedAtMs: this.clock.now() };
      try {
        this.record!.save(r);
      } catch {
        // as in writeRecord: adoption after the next crash is lost, not the service
      }
    }
    const gen: Generation = { child: undefined, adoptedStarttime: r.starttime, pgid: r.pgid, walk: new GroupWalk(r.pgid, this.procRoot), startedAt: r.startedAtMs, stopRequested: false, failureCleared: false };
    if (JSON.stringify(r.command) !== JSON.stringify(this.spec.command)) {
      const stopped = await this.stopGeneration(gen, this.restartGraceMs);
      this.record!.clear();
      return { adopted: false, stoppedPid: r.pid, detail: `stopped pid ${r.pid} left by an earlier agent: it ran ${JSON.stringify(r.command)}, the config now says ${JSON.stringify(this.spec.command)}${stopped.exited ? '' : ' (processes still present)'}` };
    }
    this.gen = gen;
    // Its output goes on into the same file: follow it from here.
    this.followOutput();
    this.watchAdopted(gen);
    return { adopted: true, pid: r.pid, pgid: r.pgid, since: r.startedAtMs, detail: `adopted pid ${r.pid} (process group ${r.pgid}) started by an earlier agent at ${new Date(r.startedAtMs).toISOString()}` };
  }

  /**
   * The child's last lines may still be in its pipes when `exit` fires: they are let in
   * first (until both streams end, at most EXIT_OUTPUT_WAIT_MS: a grandchild may hold
   * them open), so whoever reads the logs on this exit sees why it ended.
   */
  private childExited(child: ChildProcess, gen: Generation, code: number | null, signal: NodeJS.Signals | null): void {
    const at = this.clock.now();
    // Written to a file: everything it wrote is there now.
    this.followers?.stdout.drain();
    this.followers?.stderr.drain();
    const open = [child.stdout, child.stderr].filter((s): s is NonNullable<typeof s> => s !== null && !s.readableEnded && !s.destroyed);
    if (open.length === 0) return this.ended(gen, code, signal, at);
    let left = open.length;
    const finish = () => {
      clearTimeout(timer);
      this.ended(gen, code, signal, at);
    };
    const timer = setTimeout(finish, EXIT_OUTPUT_WAIT_MS);
    for (const s of open) {
      s.once('close', () => {
        if (--left === 0) finish();
      });
    }
  }

  private ended(gen: Generation, code: number | null, signal: NodeJS.Signals | null, at = this.clock.now()): void {
    if (gen.exit) return;
    gen.exit = { code, signal, at };
    const notice: ExitNotice = { pid: gen.pgid, code, signal, at: gen.exit.at };
    for (const cb of this.exitListeners) cb(notice);
  }

  /** Not our child, so no exit event: its /proc entry is looked at every adoptPollMs. */
  private watchAdopted(gen: Generation): void {
    const look = async (): Promise<void> => {
      this.adoptTimer = undefined;
      if (gen.exit || this.gen !== gen) return;
      if (await this.adoptedLeaderAlive(gen)) this.adoptTimer = this.clock.setTimeout(() => void look(), this.adoptPollMs);
    };
    this.adoptTimer = this.clock.setTimeout(() => void look(), this.adoptPollMs);
  }

  /** Looks at an adopted leader now; notes its end (with an exit notice) when it is gone. */
  private async adoptedLeaderAlive(gen: Generation): Promise<boolean> {
    if (gen.exit) return false;
    const stat = await readProcStat(gen.pgid, this.procRoot).catch(() => undefined);
    if (stat && !isGone(stat) && stat.starttime === gen.adoptedStarttime) return true;
    this.ended(gen, null, null);
    return false;
  }

  private async writeRecord(gen: Generation): Promise<void> {
    if (!this.record) return;
    const stat = await readProcStat(gen.pgid, this.procRoot).catch(() => undefined);
    // Gone already (it crashed at once): nothing to adopt later.
    if (!stat) return;
    try {
      this.record.save({ pgid: gen.pgid, pid: gen.pgid, starttime: stat.starttime, command: [...this.spec.command], startedAtMs: gen.startedAt });
    } catch {
      // A full or read-only data dir costs adoption after a crash, not the service.
    }
  }

  async stop(graceMs: number): Promise<StopResult> {
    const gen = this.gen;
    if (!gen) return { exited: true, forced: false, waitedMs: 0 };
    return this.stopGeneration(gen, graceMs);
  }

  private async stopGeneration(gen: Generation, graceMs: number): Promise<StopResult> {
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
    // Whatever reached the output files and has not been noticed yet counts too.
    this.followers?.stdout.drain();
    this.followers?.stderr.drain();
    return this.ring.since(sinceMs);
  }

  onLog(cb: (line: LogLine) => void): Unsubscribe {
    this.logListeners.add(cb);
    return () => this.logListeners.delete(cb);
  }

  /** Kills the service (the agent owns its lifetime) and drops the subscribers. */
  async close(): Promise<void> {
    if (this.adoptTimer) this.clock.clearTimeout(this.adoptTimer);
    this.adoptTimer = undefined;
    await this.forceKill();
    this.followers?.stdout.stop();
    this.followers?.stderr.stop();
    this.followers = undefined;
    // Stopped on purpose: nothing for the next agent to adopt.
    this.record?.clear();
    this.exitListeners.clear();
    this.logListeners.clear();
  }

  /**
   * A graceful stop of the agent (SIGTERM: `systemctl restart`, an upgrade) leaves the
   * service running: its record stays, its output goes on into the files, and the next
   * agent adopts it with the same PID and no recovery. Only where that agent can find it
   * again (a record, and output in files rather than pipes that end with this process);
   * otherwise it is stopped, as close() does.
   */
  async release(): Promise<void> {
    if (!this.record || !this.outputFiles) return this.close();
    if (this.adoptTimer) this.clock.clearTimeout(this.adoptTimer);
    this.adoptTimer = undefined;
    // Lines already in the files are this agent's to report; the rest are the next one's.
    this.followers?.stdout.drain();
    this.followers?.stderr.drain();
    this.followers?.stdout.stop();
    this.followers?.stderr.stop();
    this.followers = undefined;
    // The child handle must not keep this process alive, nor its exit count as a failure.
    this.gen?.child?.removeAllListeners('exit');
    this.gen?.child?.unref();
    this.exitListeners.clear();
    this.logListeners.clear();
  }

  /** Follows the output files from their current ends: what is written from now on is this run's. */
  private followOutput(): void {
    const files = this.outputFiles;
    if (!files) return;
    if (this.followers) {
      // The previous run's last lines belong to it.
      this.followers.stdout.drain();
      this.followers.stderr.drain();
    } else {
      const follow = (stream: 'stdout' | 'stderr') => new OutputFollower(files[stream], (text) => this.line(stream, text), { maxLineLength: this.maxLineLength, ...(this.outputGrid ? { grid: this.outputGrid } : {}) });
      this.followers = { stdout: follow('stdout'), stderr: follow('stderr') };
    }
    this.followers.stdout.start(OutputFollower.sizeOf(files.stdout));
    this.followers.stderr.start(OutputFollower.sizeOf(files.stderr));
  }

  private line(stream: LogLine['stream'], text: string): void {
    const line: LogLine = { at: this.clock.now(), stream, text };
    this.ring.push(line);
    for (const cb of this.logListeners) {
      try {
        cb(line);
      } catch {
        // A faulty subscriber must not stop the capture of the service's output.
      }
    }
  }

  private capture(child: ChildProcess, stream: 'stdout' | 'stderr'): void {
    const source = child[stream];
    if (!source) return;
    const splitter = new LineSplitter((text) => this.line(stream, text), this.maxLineLength);
    source.on('data', (chunk: Buffer) => splitter.write(chunk));
    source.on('end', () => splitter.end());
  }

  private async groupMembers(gen: Generation): Promise<number[]> {
    // While the leader lives, walking down from it is enough and costs a few reads; a
    // whole-/proc scan (one read per process on the host) only once it is gone.
    const members = gen.exit ? await listProcessGroup(gen.pgid, this.procRoot) : await gen.walk.members();
    if (!gen.exit && !members.includes(gen.pgid)) members.unshift(gen.pgid);
    return members;
  }

  /** The child has not been reaped yet, or something is left in its group. */
  private async alive(gen: Generation): Promise<boolean> {
    if (!gen.exit && gen.child) return true;
    // Adopted: no exit event will come for its leader; /proc says.
    if (!gen.exit && (await this.adoptedLeaderAlive(gen))) return true;
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

export const processManagerKind = defineManagerKind({
  kind: 'process',
  fields: processFields,
  create: (spec, deps: Omit<ProcessManagerOptions, 'clock'> | undefined, clock) => new ProcessManager(spec, { ...deps, ...(clock ? { clock } : {}) }),
  ownsProcesses: true,
});
