import { execFile } from 'node:child_process';
import { ServiceCommandError } from './errors.js';

export interface CommandOptions {
  /** Environment of the command; its PATH is where the program is looked up. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Kill the command after this long. @default 15000 */
  timeoutMs?: number;
  /** @default 16 MiB (a journal read can be large) */
  maxBuffer?: number;
}

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/** Runs a program with a fixed argv, never through a shell. */
export type RunCommand = (file: string, args: readonly string[], options?: CommandOptions) => Promise<CommandOutput>;

/** How much of a failing command's stderr goes into the error. */
const STDERR_CAP = 1024;

export const runCommand: RunCommand = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 15_000,
        maxBuffer: options.maxBuffer ?? 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err) {
          const exitCode = typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
          const why = stderr.trim().slice(0, STDERR_CAP) || err.message;
          reject(new ServiceCommandError(`${file} ${args.join(' ')} failed: ${why}`, { command: [file, ...args], exitCode, stderr: stderr.slice(0, STDERR_CAP), cause: err }));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
