import { httpExchange } from '@vigil/shared';
import { z } from 'zod';
import type { CheckContext, CheckResult, HealthCheck } from './check.js';
import { checkCommon, defineCheckKind, positiveMs } from './kind.js';
import { probeContext } from './probe-context.js';

function httpCheckSchema(defaultIntervalMs: number) {
  return z
    .object({
      type: z.literal('http'),
      url: z.string().refine((u) => {
        try {
          const p = new URL(u).protocol;
          return p === 'http:' || p === 'https:';
        } catch {
          return false;
        }
      }, 'must be an http:// or https:// URL'),
      /** Response-time threshold and request timeout (runbook 4: response_time < 5 s). @default 5s */
      timeout: positiveMs.default(5_000),
      /** Accepted status codes. @default any 2xx or 3xx (what `curl` reports as success) */
      expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
      /** Accept any TLS certificate, for health endpoints with self-signed certificates. @default false */
      tlsSkipVerify: z.boolean().default(false),
      ...checkCommon(defaultIntervalMs),
    })
    .strict();
}

export type HttpCheckSpec = z.output<ReturnType<typeof httpCheckSchema>>;

/** Body bytes read before the response counts as complete; a health page is small. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The runbook's response_time check (`curl -w '%{time_total}'`): a fresh connection per run,
 * the whole response timed, pass = an expected status (2xx/3xx by default) within `timeout`.
 * The exchange is the http probe's (httpExchange); this adapter only judges it.
 */
export class HttpCheck implements HealthCheck {
  readonly type = 'http' as const;
  constructor(
    readonly name: string,
    private readonly spec: Pick<HttpCheckSpec, 'url' | 'timeout' | 'expectStatus' | 'tlsSkipVerify'>,
  ) {}

  async run(ctx: CheckContext): Promise<CheckResult> {
    const { url, timeout } = this.spec;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const x = await httpExchange(new URL(url), { maxBodyBytes: MAX_BODY_BYTES, userAgent: 'vigil-agent health check', tlsSkipVerify: this.spec.tlsSkipVerify }, probeContext(timeout, ctx));
    const result = (ok: boolean, detail: string): CheckResult => ({ ok, detail, durationMs: elapsed() });
    if (x.error) {
      switch (x.failure) {
        case 'timeout':
          return result(false, `no complete response within ${timeout} ms`);
        case 'aborted':
          return result(false, 'aborted');
        case 'response':
          return result(false, `response error: ${x.error.message}`);
        default:
          return result(false, x.error.message);
      }
    }
    const status = x.status ?? 0;
    const expected = this.spec.expectStatus ? this.spec.expectStatus.includes(status) : status >= 200 && status < 400;
    const ms = Math.round(x.responseMs ?? performance.now() - started);
    if (!expected) return result(false, `HTTP ${status} in ${ms} ms (expected ${this.spec.expectStatus?.join('/') ?? '2xx/3xx'})`);
    if (ms >= timeout) return result(false, `HTTP ${status} in ${ms} ms, slower than ${timeout} ms`);
    return result(true, `HTTP ${status} in ${ms} ms`);
  }
}

export const httpCheckKind = defineCheckKind({
  type: 'http',
  schema: httpCheckSchema,
  defaultName: (spec) => `http ${spec.url}`,
  create: (name, spec) => new HttpCheck(name, spec),
  servesTraffic: true,
  ports: (spec) => {
    try {
      const u = new URL(spec.url);
      return [Number(u.port || (u.protocol === 'https:' ? 443 : 80))];
    } catch {
      // validated at load; nothing to add
      return [];
    }
  },
});
