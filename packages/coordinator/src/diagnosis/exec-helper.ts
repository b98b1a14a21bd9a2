import { spawn, type ChildProcess } from 'node:child_process';
import { execInProcess, type ExecFile, type ExecOutcome, type Logger } from '@vigil/shared';

/**
 * The helper's whole program: Node built-ins only, so it runs the same from the workspace
 * and from the release bundle. It runs what it is asked to with execFile and answers over
 * IPC; it exits when the coordinator's end of the channel goes (the coordinator stopped or
 * died), so it is never left behind.
 */
const HELPER_SOURCE = `
const { execFile } = require('node:child_process');
const running = new Map();
process.on('message', (m) => {
  if (!m || typeof m !== 'object') return;
  if (m.type === 'abort') return running.get(m.id)?.abort();
  if (m.type !== 'run') return;
  const ac = new AbortController();
  running.set(m.id, ac);
  execFile(m.file, m.args, { env: m.env, encoding: 'utf8', maxBuffer: m.maxBuffer, killSignal: 'SIGKILL', signal: ac.signal }, (err, stdout, stderr) => {
    running.delete(m.id);
    const error = err ? { code: err.code, name: err.name, signal: err.signal ?? null, message: String(err.message) } : undefined;
    if (process.connected) process.send({ type: 'done', id: m.id, stdout, stderr, error });
  });
});
process.on('disconnect', () => process.exit(0));
`;

interface Pending {
  resolve: (o: ExecOutcome) => void;
  run: () => void;
}

/**
 * Runs probe programs (ping) from a small helper process instead of this one. A fork of the
 * coordinator copies the page tables of its whole heap: at 1 GB (10,000 agents) every ping
 * blocked the event loop for 25-50 ms, and a zone outage that asks for hundreds of pings
 * held it for seconds, long enough to judge healthy hosts silent. The helper is a bare Node
 * process (about 40 MB) started once; forking from it costs next to nothing.
 *
 * When the helper is not running (it could not start, or it died and the last restart was
 * less than a second ago) the program runs in this process as before: a probe is never
 * lost to the helper.
 */
export class ExecHelper {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private lastStart = -Infinity;
  private closed = false;

  constructor(
    private readonly log: Logger,
    /** Least time between two starts of the helper, in ms. */
    private readonly restartAfterMs = 1000,
  ) {}

  /** Starts the helper now (otherwise at the first probe). */
  start(): void {
    this.ensure();
  }

  /** The helper's pid, when it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  readonly exec: ExecFile = (file, args, options) => {
    const child = this.ensure();
    if (!child) return execInProcess(file, args, options);
    return new Promise<ExecOutcome>((resolve) => {
      if (options.signal.aborted) return resolve({ stdout: '', stderr: '', error: { name: 'AbortError', message: 'aborted before it started' } });
      const id = this.nextId++;
      const onAbort = () => {
        if (this.child?.connected) this.child.send({ type: 'abort', id });
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      const done = (o: ExecOutcome) => {
        options.signal.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        resolve(o);
      };
      // Run in this process instead if the helper goes away before it answers (once).
      const run = () => {
        this.pending.delete(id);
        void execInProcess(file, args, options).then(done);
      };
      this.pending.set(id, { resolve: done, run });
      try {
        child.send({ type: 'run', id, file, args: [...args], env: options.env, maxBuffer: options.maxBuffer });
      } catch {
        run();
      }
    });
  };

  /** Stops the helper; programs it runs finish on their own (ping's deadline bounds them). */
  close(): void {
    this.closed = true;
    const child = this.child;
    this.child = undefined;
    if (child?.connected) child.disconnect();
    for (const p of [...this.pending.values()]) p.run();
  }

  private ensure(): ChildProcess | undefined {
    if (this.closed) return undefined;
    if (this.child?.connected) return this.child;
    if (performance.now() - this.lastStart < this.restartAfterMs) return undefined;
    this.lastStart = performance.now();
    let child: ChildProcess;
    try {
      // spawn, not fork: none of the coordinator's Node flags (its heap's sizing, a
      // profiler) and none of its environment (NODE_OPTIONS) reach the helper.
      child = spawn(process.execPath, ['--max-old-space-size=64', '-e', HELPER_SOURCE], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not start the probe helper process; probes run their programs from the coordinator');
      return undefined;
    }
    this.child = child;
    child.on('message', (m: { type?: string; id?: number } & ExecOutcome) => {
      if (m?.type !== 'done' || typeof m.id !== 'number') return;
      this.pending.get(m.id)?.resolve({ stdout: String(m.stdout ?? ''), stderr: String(m.stderr ?? ''), ...(m.error ? { error: m.error } : {}) });
    });
    child.on('error', (err) => this.log.warn({ err: err.message }, 'probe helper process failed'));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (!this.closed) this.log.warn({ code, signal }, 'probe helper process exited; probes it was running run again from the coordinator');
      // Whatever it had not answered runs here, so no probe waits for a helper that is gone.
      for (const p of [...this.pending.values()]) p.run();
    });
    return child;
  }
}
