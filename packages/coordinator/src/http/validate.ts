import type { z } from 'zod';
import { summariseIssues, VigilError } from '@vigil/shared';

/** Parses request input with a zod schema; a failure is a 400 naming each field and value. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw new VigilError('BAD_REQUEST', summariseIssues(r.error, input ?? {}, where));
  return r.data;
}
