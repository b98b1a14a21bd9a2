import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors.js';
import { describeIssue } from './issues.js';

/** The coordinator's API when nothing names one: its default `--http` listener. */
export const DEFAULT_URL = 'http://127.0.0.1:7401';
/** @default 30 s: a diagnosis waits out SSH timeouts of 10 s and a peer's slack. */
export const DEFAULT_TIMEOUT_MS = 30_000;

const url = z
  .string()
  .url('must be an http:// or https:// URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL')
  .transform((u) => u.replace(/\/+$/, ''));

/** The config file (`~/.config/vigil/cli.json` or `--config FILE`); every key optional. */
export const configFileSchema = z
  .object({
    /** The coordinator's HTTP API. @default http://127.0.0.1:7401 */
    url: url.optional(),
    /** API token (Authorization: Bearer). Prefer VIGIL_TOKEN or a file readable only by you. */
    token: z.string().min(1, 'must not be empty').optional(),
    /** Output for people (`table`) or scripts (`json`). @default table */
    output: z.enum(['table', 'json']).optional(),
    /** Longest wait for an answer, in milliseconds. @default 30000 */
    timeoutMs: z.number().int().positive().max(600_000).optional(),
  })
  .strict();

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

/** Flags win over VIGIL_URL / VIGIL_TOKEN / VIGIL_CONFIG, which win over the config file. */
export function loadConfig({ flags, env, readFile = readIfExists }: ConfigInputs): Config {
  const explicit = flags.config ?? (env.VIGIL_CONFIG || undefined);
  const path = explicit ?? defaultConfigPath(env);
  const text = readFile(path);
  if (text === undefined && explicit !== undefined) throw new UsageError(`config file ${path}: does not exist`);
  let file: z.output<typeof configFileSchema> = {};
  if (text !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`config file ${path}: not JSON (${(err as Error).message})`);
    }
    const r = configFileSchema.safeParse(raw);
    if (!r.success) throw new UsageError(`config file ${path}: ${r.error.issues.map((i) => describeIssue(i, raw)).join('; ')}`);
    file = r.data;
  }
  const fromFile = `config file ${path}`;
  const pick = <T>(flag: T | undefined, flagName: string, envValue: T | undefined, envName: string, fileValue: T | undefined, fallback: T): [T, string] =>
    flag !== undefined ? [flag, flagName] : envValue !== undefined ? [envValue, envName] : fileValue !== undefined ? [fileValue, fromFile] : [fallback, 'default'];

  const [rawUrl, urlFrom] = pick<string>(flags.url, '--url', env.VIGIL_URL || undefined, 'VIGIL_URL', file.url, DEFAULT_URL);
  const parsedUrl = url.safeParse(rawUrl);
  if (!parsedUrl.success) throw new UsageError(`${urlFrom === '--url' ? '--url' : urlFrom === 'VIGIL_URL' ? 'VIGIL_URL' : 'url'}: must be an http:// or https:// URL (got ${JSON.stringify(rawUrl)}${urlFrom === fromFile ? ` in ${fromFile}` : ''})`);
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
    url: parsedUrl.data,
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
