import { describeIssues } from '../validation.js';
import { z } from 'zod';
import { targetProblem } from './target.js';
import { PROBE_KINDS, PROBES } from './table.js';
import type { Probe, ProbeRequest } from './types.js';

/** Longest budget a request may ask for; a probe that needs more is not a liveness probe. */
export const MAX_PROBE_TIMEOUT_MS = 60_000;
/** Below this a timer cannot tell a slow host from scheduling noise. */
export const MIN_PROBE_TIMEOUT_MS = 100;

function urlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  // Credentials would be echoed in results and logs; the probe never needs them.
  if (url.username || url.password) return 'must not carry a user name or password';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const why = targetProblem(host);
  return why ? `host ${why}` : null;
}

/**
 * A probe request as it arrives from the coordinator. Unknown fields are dropped rather
 * than refused, so a newer coordinator can talk to an older agent.
 */
export const probeRequestSchema = z
  .object({
    id: z
      .string()
      .max(128)
      // One message for an empty id too, rather than two for the same mistake.
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
    kind: z.enum(PROBE_KINDS),
    target: z.string().superRefine((t, ctx) => {
      const why = targetProblem(t);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    }),
    port: z.number().int().min(1).max(65535).optional(),
    url: z
      .string()
      .max(2048)
      .superRefine((u, ctx) => {
        const why = urlProblem(u);
        if (why) ctx.addIssue({ code: 'custom', message: why });
      })
      .optional(),
    timeoutMs: z.number().int().min(MIN_PROBE_TIMEOUT_MS).max(MAX_PROBE_TIMEOUT_MS).optional(),
  })
  .superRefine((r, ctx) => {
    const probe: Pick<Probe, 'takesUrl' | 'needsPort'> = PROBES[r.kind];
    if (r.url !== undefined && !probe.takesUrl) {
      const takers = PROBE_KINDS.filter((k) => PROBES[k].takesUrl).join('/');
      ctx.addIssue({ code: 'custom', path: ['url'], message: `only ${takers} probes take a url, not ${r.kind}` });
    }
    if (probe.needsPort && r.port === undefined) {
      ctx.addIssue({ code: 'custom', path: ['port'], message: `required for ${r.kind} probes` });
    }
  });

export type ProbeValidation = { ok: true; request: ProbeRequest } | { ok: false; message: string };

/** Checks a request once, where it enters; the request handed on is frozen. */
export function validateProbeRequest(input: unknown): ProbeValidation {
  let parsed: ReturnType<typeof probeRequestSchema.safeParse>;
  try {
    parsed = probeRequestSchema.safeParse(input);
  } catch (err) {
    // Only an object with throwing getters gets here; it is still just a bad request.
    return { ok: false, message: `(root): could not be read (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!parsed.success) return { ok: false, message: describeIssues(parsed.error, input).join('; ') };
  return { ok: true, request: Object.freeze(parsed.data) };
}
