import { execFile } from 'node:child_process';

/** How a program a probe ran ended: its output, and why it did not exit 0 (if it did not). */
export interface ExecOutcome {
  stdout: string;
  stderr: string;
  /**
   * Undefined when it exited 0. `code` is the exit status (a number) or a spawn error
   * (`ENOENT`, ...); `name` is `AbortError` when the signal stopped it.
   */
  error?: { code?: number | string; name?: string; signal?: string | null; message: string };
}

export interface ExecOptions {
  env: NodeJS.ProcessEnv;
  maxBuffer: number;
  signal: AbortSignal;
}

/**
 * Runs a program and collects its output (execFile's contract, as a promise that never
 * rejects). A seam so a large process can run its probes' programs from a small one:
 * fork() of a process copies its page tables, which took the coordinator 25-50 ms of
 * blocked event loop per ping at 1 GB.
 */
export type ExecFile = (file: string, args: readonly string[], options: ExecOptions) => Promise<ExecOutcome>;

/** execFile in this process. */
export const execInProcess: ExecFile = (file, args, options) =>
  new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { env: options.env, encoding: 'utf8', maxBuffer: options.maxBuffer, killSignal: 'SIGKILL', signal: options.signal },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: number | string; signal?: string | null };
        resolve({ stdout, stderr, error: { code: e.code, name: e.name, signal: e.signal ?? null, message: e.message } });
      },
    );
  });
