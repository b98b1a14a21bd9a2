import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file runs as packages/testkit/dist/processes.js). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const COORDINATOR_BIN = join(REPO_ROOT, 'packages/coordinator/bin/vigil-coordinator.js');
/**
 * The Node flags the coordinator ships with (its packaged launcher passes the same file's
 * flags; docs/performance.md says why), so that what tests and benches run is what ships.
 */
export const COORDINATOR_NODE_FLAGS = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/coordinator/node-flags.json'), 'utf8')) as string[];
export const AGENT_BIN = join(REPO_ROOT, 'packages/agent/bin/vigil-agent');

/** Keeps the last `maxBytes` of a stream, so a failure can show what a process said last. */
export class RingBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly maxBytes = 64 * 1024) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.maxBytes) {
      const first = this.chunks[0]!;
      const excess = this.size - this.maxBytes;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

export interface SpawnOptions {
  /** Name used in failure messages. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A child process started by a test, addressed by PID only. */
export class Child {
  readonly name: string;
  readonly pid: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly stdout = new RingBuffer();
  readonly stderr = new RingBuffer();
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  private readonly proc: ChildProcess;
  private stopped = false;

  constructor(opts: SpawnOptions) {
    this.name = opts.name;
    this.command = opts.command;
    this.args = opts.args;
    this.proc = spawn(opts.command, opts.args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.proc.pid === undefined) {
      throw new Error(`${opts.name}: could not start ${opts.command}`);
    }
    this.pid = this.proc.pid;
    this.proc.stdout!.on('data', (c: Buffer) => this.stdout.push(c));
    this.proc.stderr!.on('data', (c: Buffer) => this.stderr.push(c));
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolve(this.exitInfo);
      });
      this.proc.once('error', () => {
        this.exitInfo ??= { code: null, signal: null };
        live.delete(this);
        resolve(this.exitInfo);
      });
    });
    live.add(this);
    started.push(this);
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** True while the process is stopped with SIGSTOP (as far as this side knows). */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Sends a signal to this PID; a no-op once the process has exited. */
  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      return;
    }
    if (sig === 'SIGSTOP') this.stopped = true;
    if (sig === 'SIGCONT') this.stopped = false;
  }

  /** Waits for exit; throws with the process's last output if it takes longer than `timeoutMs`. */
  async waitExit(timeoutMs = 10_000): Promise<ExitInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} (pid ${this.pid}) did not exit within ${timeoutMs} ms\n${this.output()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited after `graceMs`. A stopped process is
   * continued first, or SIGTERM would wait for it forever.
   */
  async stop(graceMs = 5000): Promise<ExitInfo> {
    if (!this.running) return this.exitInfo!;
    if (this.stopped) this.signal('SIGCONT');
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    const first = await Promise.race([this.exited, grace]);
    clearTimeout(timer);
    if (first !== 'late') return first;
    this.signal('SIGKILL');
    return this.exited;
  }

  async kill(): Promise<ExitInfo> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** The last output of the process, for failure messages. */
  output(): string {
    const status = this.exitInfo ? `exited code=${this.exitInfo.code} signal=${this.exitInfo.signal}` : 'running';
    return [
      `--- ${this.name} (pid ${this.pid}, ${status}): ${this.command} ${this.args.join(' ')}`,
      `--- stderr (tail):`,
      tail(this.stderr.text(), 40),
      `--- stdout (tail):`,
      tail(this.stdout.text(), 10),
    ].join('\n');
  }
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines - 1).join('\n');
}

const live = new Set<Child>();
const started: Child[] = [];

export function spawnChild(opts: SpawnOptions): Child {
  return new Child(opts);
}

/**
 * Starts one of Vigil's programs: a `.js`/`.mjs` script with this Node, anything else (the
 * agent's launcher script, which sets its own runtime flags) as an executable.
 */
export function spawnProgram(name: string, program: string, args: string[], env?: NodeJS.ProcessEnv): Child {
  const script = /\.m?js$/.test(program);
  return new Child({ name, command: script ? process.execPath : program, args: script ? [program, ...args] : args, env });
}

/** Children that have not exited yet. */
export function liveChildren(): Child[] {
  return [...live];
}

/** For afterAll: stops every child this test file started and is still running. */
export async function stopAllChildren(graceMs = 2000): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(graceMs)));
}

/** The output of every child this test file started, for failure messages. */
export function describeChildren(): string {
  return started.map((c) => c.output()).join('\n');
}

// Last resort when the test worker exits without running afterAll: no orphans.
process.once('exit', () => {
  for (const c of live) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** VmRSS of a process in bytes, from /proc/<pid>/status. */
export async function rssBytes(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return parseVmRss(status);
}

/** Pure parser for the VmRSS line of /proc/<pid>/status ("VmRSS:   61234 kB"). */
export function parseVmRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error('no VmRSS line in /proc status');
  return Number(m[1]) * 1024;
}
