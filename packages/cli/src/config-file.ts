import { z } from 'zod';
import { UsageError } from './errors.js';
import { describeIssue } from './issues.js';

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

export type ConfigFile = z.output<typeof configFileSchema>;

/** The file's text, parsed and validated; errors name the file, the key and the value. */
export function parseConfigFile(text: string, path: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`config file ${path}: not JSON (${(err as Error).message})`);
  }
  const r = configFileSchema.safeParse(raw);
  if (!r.success) throw new UsageError(`config file ${path}: ${r.error.issues.map((i) => describeIssue(i, raw)).join('; ')}`);
  return r.data;
}
