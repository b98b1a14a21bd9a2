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

const SHOWN_CHARS = 80;

/**
 * The value as JSON, cut at 80 characters. It is built piece by piece and stops once long
 * enough, so a huge or 10,000-deep value costs no more than a short one (stringifying it
 * whole would overflow the stack and turn a bad request into a 500).
 */
export function showValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = preview(value, SHOWN_CHARS + 1);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 3)}...` : text;
}

/** At least `budget` characters of the value's JSON when it has that many; nesting costs a character per level. */
function preview(value: unknown, budget: number): string {
  if (typeof value === 'string') return JSON.stringify(value.length > budget ? value.slice(0, budget) : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return preview(toJSON.call(value), budget);
  const isArray = Array.isArray(value);
  let out = isArray ? '[' : '{';
  let first = true;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (out.length >= budget) return out;
    const item = (value as Record<string, unknown>)[key];
    const head = (first ? '' : ',') + (isArray ? '' : `${JSON.stringify(key)}:`);
    out += head + preview(item, budget - out.length - head.length);
    first = false;
  }
  return out + (isArray ? ']' : '}');
}

const show = showValue;

/** Longest map key a field path shows: keys come from the input (labels, env), so they can be any length. */
const SHOWN_KEY_CHARS = 40;

/** `services[0].checks[1].timeout`: list positions in brackets, as in the YAML a user edits. */
export function formatFieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const name = String(key);
      const shown = name.length > SHOWN_KEY_CHARS ? `${name.slice(0, SHOWN_KEY_CHARS - 3)}...` : name;
      out += out ? `.${shown}` : shown;
    }
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

/** Most problems one refusal lists; the first ones are the ones to fix. */
export const MAX_LISTED_ISSUES = 5;

/**
 * The problems as one line for a refusal (a gRPC status, an HTTP error body, a warn log):
 * the first five, then how many more. A heartbeat with 256 bad services once gave a 40 KB
 * status message, logged whole on every reconnect.
 */
export function summariseIssues(error: z.ZodError, input: unknown, prefix = ''): string {
  const lines = describeIssues({ issues: error.issues.slice(0, MAX_LISTED_ISSUES) } as z.ZodError, input, prefix);
  const more = error.issues.length - lines.length;
  return more > 0 ? `${lines.join('; ')}; (${more} more problem${more === 1 ? '' : 's'})` : lines.join('; ');
}
