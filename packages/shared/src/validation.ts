import type { z } from 'zod';
import { SHOWS_VALUE } from './schemas/duration.js';

/**
 * Reads the value at a zod issue path, so an error can quote what was actually given. A
 * value a schema split or wrapped (a comma list, one value for a list) has no element at
 * the path: the value given is quoted instead.
 */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'object') return v;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `services[0].checks[1].timeout`: list positions in brackets, as in the YAML a user edits. */
export function formatFieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/**
 * One line per problem: `field.path: what is wrong (got VALUE)`; the `(got …)` is left off
 * where the message already quotes the value.
 */
export function describeIssues(error: z.ZodError, input: unknown, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const field = formatFieldPath(prefix, issue.path);
    const quoted = issue.code === 'custom' && (issue as { params?: Record<string, unknown> }).params?.[SHOWS_VALUE] === true;
    return quoted ? `${field}: ${issue.message}` : `${field}: ${issue.message} (got ${show(valueAt(input, issue.path))})`;
  });
}
