import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { describeIssues } from './validation.js';
import { describeYamlErrors } from './yaml-errors.js';

/**
 * Reads a YAML config file into a plain object; a missing or unparsable file is a
 * ConfigError whose lines give the line, column and text of each syntax error.
 */
export function readYamlConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`--config: cannot read "${file}": ${(err as Error).message}`]);
  }
  const parsed = parseDocument(text);
  if (parsed.errors.length > 0) {
    throw new ConfigError(describeYamlErrors(text, parsed.errors).map((e) => `--config: "${file}" is not valid YAML: ${e}`));
  }
  let doc: unknown;
  try {
    doc = parsed.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([`--config: "${file}" is not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError([`--config: "${file}" must hold a mapping of options at its top level`]);
  }
  return doc as Record<string, unknown>;
}

/**
 * Merges the config file with command-line values (the command line wins), validates the
 * result once and freezes it. Fields given as `undefined` on the command line are absent.
 */
export function buildConfig<S extends z.ZodType>(schema: S, fromFile: Record<string, unknown>, fromCli: Record<string, unknown>): Readonly<z.output<S>> {
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [k, v] of Object.entries(fromCli)) if (v !== undefined) merged[k] = v;
  const result = schema.safeParse(merged);
  if (!result.success) throw new ConfigError(describeIssues(result.error, merged));
  return deepFreeze(result.data);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
