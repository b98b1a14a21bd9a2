import { z } from 'zod';
import { hostIdProblem, normalizeHostId } from '../hostid.js';
import { parseHostPort } from '../net.js';

export { durationMs, MAX_CONFIG_DURATION_MS } from './duration.js';

export const hostId = z.string().transform((v, ctx) => {
  const problem = hostIdProblem(v);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: `host id ${problem}` });
    return z.NEVER;
  }
  return normalizeHostId(v);
});

export const hostPort = z.string().transform((v, ctx) => {
  try {
    return parseHostPort(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** Paths to PEM files for mutual TLS; all three or none. */
export const tlsFiles = z
  .object({
    ca: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  })
  .strict()
  .refine((t) => [t.ca, t.cert, t.key].every((x) => x === undefined) || [t.ca, t.cert, t.key].every((x) => x !== undefined), {
    message: 'TLS needs all of ca, cert and key, or none of them',
  });

export type TlsFiles = z.output<typeof tlsFiles>;

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
