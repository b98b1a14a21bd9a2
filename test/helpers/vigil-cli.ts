import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnProgram, type Child } from './processes.js';
import { tempDir } from './temp-dir.js';

/** The built `vigil` command line (packages/cli/bin/vigil.js). */
export const VIGIL_BIN = fileURLToPath(new URL('../../packages/cli/bin/vigil.js', import.meta.url));

export interface VigilRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a `vigil` run: nothing inherited that could steer it (VIGIL_*,
 * NO_COLOR, FORCE_COLOR, a config file in the real HOME), then `env`.
 */
export function vigilEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('VIGIL_') || k === 'NO_COLOR' || k === 'FORCE_COLOR' || k === 'XDG_CONFIG_HOME') continue;
    base[k] = v;
  }
  base.HOME = emptyHome ??= tempDir('vigil-home');
  base.TERM = 'xterm-256color';
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}
let emptyHome: string | undefined;

/** Runs `vigil ARGS` to completion with stdout a pipe (not a terminal). */
export function runVigil(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 20_000): Promise<VigilRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [VIGIL_BIN, ...args], { env: vigilEnv(env), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `vigil ARGS` with stdout on a pseudo-terminal (util-linux `script`), as a person
 * at a terminal would; the output comes back with the terminal's CRLFs made LFs.
 */
export function runVigilOnTty(args: string[], env: Record<string, string | undefined> = {}): Promise<VigilRun> {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, VIGIL_BIN, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qefc', command, '/dev/null'], { env: vigilEnv(env), timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout: stdout.replaceAll('\r\n', '\n'), stderr });
    });
  });
}

/** A long-running `vigil` (watch) as a child process addressed by its PID. */
export function startVigil(args: string[], env: Record<string, string | undefined> = {}): Child {
  return spawnProgram(`vigil ${args[0] ?? ''}`, VIGIL_BIN, args, vigilEnv(env));
}
