import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './errors.js';
import type { ConfigFile } from './config-file.js';

/** The coordinator's API when nothing names one: its default `--http` listener. */
export const DEFAULT_URL = 'http://127.0.0.1:7401';
/** @default 30 s: a diagnosis waits out SSH timeouts of 10 s and a peer's slack. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface Config {
  url: string;
  token: string | undefined;
  output: 'table' | 'json';
  timeoutMs: number;
  /** Where each value came from, for `vigil config`. */
  sources: Record<'url' | 'token' | 'output' | 'timeoutMs', string>;
}

export interface ConfigInputs {
  flags: { url?: string | undefined; token?: string | undefined; output?: string | undefined; timeout?: string | undefined; config?: string | undefined };
  env: NodeJS.ProcessEnv;
  /** Reads a file; undefined when it does not exist. */
  readFile?: (path: string) => string | undefined;
}

const readIfExists = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`config file ${path}: ${(err as Error).message}`);
  }
};

export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'vigil', 'cli.json');
}

/** An http(s) URL without its trailing slashes, or undefined when it is not one. */
export function normaliseUrl(text: string): string | undefined {
  if (!/^https?:\/\//i.test(text)) return undefined;
  try {
    new URL(text);
  } catch {
    return undefined;
  }
  return text.replace(/\/+$/, '');
}

/**
 * Flags win over VIGIL_URL / VIGIL_TOKEN / VIGIL_CONFIG, which win over the config file.
 * The file's schema (zod) is loaded only when there is a file: most runs take their
 * settings from the environment, and a command line should start fast.
 */
export async function loadConfig({ flags, env, readFile = readIfExists }: ConfigInputs): Promise<Config> {
  const explicit = flags.config ?? (env.VIGIL_CONFIG || undefined);
  const path = explicit ?? defaultConfigPath(env);
  const text = readFile(path);
  if (text === undefined && explicit !== undefined) throw new UsageError(`config file ${path}: does not exist`);
  const file: ConfigFile = text === undefined ? {} : (await import('./config-file.js')).parseConfigFile(text, path);
  const fromFile = `config file ${path}`;
  const pick = <T>(flag: T | undefined, flagName: string, envValue: T | undefined, envName: string, fileValue: T | undefined, fallback: T): [T, string] =>
    flag !== undefined ? [flag, flagName] : envValue !== undefined ? [envValue, envName] : fileValue !== undefined ? [fileValue, fromFile] : [fallback, 'default'];

  const [rawUrl, urlFrom] = pick<string>(flags.url, '--url', env.VIGIL_URL || undefined, 'VIGIL_URL', file.url, DEFAULT_URL);
  const parsedUrl = normaliseUrl(rawUrl);
  if (parsedUrl === undefined) throw new UsageError(`${urlFrom === '--url' ? '--url' : urlFrom === 'VIGIL_URL' ? 'VIGIL_URL' : 'url'}: must be an http:// or https:// URL (got ${JSON.stringify(rawUrl)}${urlFrom === fromFile ? ` in ${fromFile}` : ''})`);
  const [token, tokenFrom] = pick<string | undefined>(flags.token, '--token', env.VIGIL_TOKEN || undefined, 'VIGIL_TOKEN', file.token, undefined);
  const [output, outputFrom] = pick<string>(flags.output, '--output', undefined, '', file.output, 'table');
  if (output !== 'table' && output !== 'json') throw new UsageError(`--output: must be table or json (got ${JSON.stringify(output)})`);
  let timeoutFlag: number | undefined;
  if (flags.timeout !== undefined) {
    timeoutFlag = parseDurationMs(flags.timeout);
    if (timeoutFlag === undefined || timeoutFlag <= 0) throw new UsageError(`--timeout: must be a duration like 10s or 2m (got ${JSON.stringify(flags.timeout)})`);
  }
  const [timeoutMs, timeoutFrom] = pick<number>(timeoutFlag, '--timeout', undefined, '', file.timeoutMs, DEFAULT_TIMEOUT_MS);
  return Object.freeze({
    url: parsedUrl,
    token,
    output,
    timeoutMs,
    sources: { url: urlFrom, token: token === undefined ? 'none' : tokenFrom, output: outputFrom, timeoutMs: timeoutFrom },
  });
}

/** `500ms`, `10s`, `2m`, `1h`, `1d`, or plain milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Math.round(n * unit);
}
