// Child processes the benchmark starts: addressed by PID only, last output kept for errors.
import { spawn } from 'node:child_process';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Child {
  constructor(name, command, args, { cwd, env } = {}) {
    this.name = name;
    this.proc = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    this.pid = this.proc.pid;
    this.tail = '';
    const keep = (c) => {
      this.tail = (this.tail + c.toString('utf8')).slice(-16_384);
    };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    this.exit = undefined;
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => resolve((this.exit = { code, signal })));
      this.proc.once('error', (err) => resolve((this.exit = { code: null, signal: null, error: err.message })));
    });
  }

  get running() {
    return this.exit === undefined;
  }

  /** SIGTERM to this PID, SIGKILL after `graceMs`; resolves with how it ended. */
  async stop(graceMs = 15_000) {
    if (!this.running) return this.exit;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    let timer;
    const timedOut = await Promise.race([this.exited.then(() => false), new Promise((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (timedOut && this.running) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await this.exited;
    }
    return { ...this.exit, forced: timedOut };
  }
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor(check, { timeoutMs, what, every = 100 }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
      if (err.fatal) throw err;
    }
    await sleep(every);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}
