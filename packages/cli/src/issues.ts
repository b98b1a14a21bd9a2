import type { z } from 'zod';

/** One zod issue as "field: message (got VALUE)", the value read from the input itself. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.map(String).join('.') || '(top level)';
  let value: unknown = input;
  for (const key of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  const keys = issue.code === 'unrecognized_keys' ? ` ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : '';
  const got = issue.code === 'unrecognized_keys' ? '' : ` (got ${value === undefined ? 'nothing' : JSON.stringify(value)})`;
  return `${path}: ${issue.message}${keys}${got}`;
}
