import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import type { CheckContext, CheckResult, HealthCheck } from './check.js';
import { checkCommon, defineCheckKind, positiveMs } from './kind.js';

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
 */
export class HttpCheck implements HealthCheck {
  readonly type = 'http' as const;
  constructor(
    readonly name: string,
    private readonly spec: Pick<HttpCheckSpec, 'url' | 'timeout' | 'expectStatus' | 'tlsSkipVerify'>,
  ) {}

  run(ctx: CheckContext): Promise<CheckResult> {
    const { url, timeout } = this.spec;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<CheckResult>((resolve) => {
      let settled = false;
      const finish = (ok: boolean, detail: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ctx.signal?.removeEventListener('abort', onAbort);
        req.destroy();
        resolve({ ok, detail, durationMs: elapsed() });
      };
      const lib = url.startsWith('https:') ? https : http;
      // agent: false: no keep-alive, so each run measures a real connect like curl does.
      const req = lib.get(url, { agent: false, rejectUnauthorized: !this.spec.tlsSkipVerify, headers: { 'user-agent': 'vigil-agent health check' } }, (res) => {
        let bytes = 0;
        const done = () => {
          const status = res.statusCode ?? 0;
          const expected = this.spec.expectStatus ? this.spec.expectStatus.includes(status) : status >= 200 && status < 400;
          const ms = elapsed();
          if (!expected) finish(false, `HTTP ${status} in ${ms} ms (expected ${this.spec.expectStatus?.join('/') ?? '2xx/3xx'})`);
          else if (ms >= timeout) finish(false, `HTTP ${status} in ${ms} ms, slower than ${timeout} ms`);
          else finish(true, `HTTP ${status} in ${ms} ms`);
        };
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes >= MAX_BODY_BYTES) done();
        });
        res.on('end', done);
        res.on('error', (err) => finish(false, `response error: ${err.message}`));
      });
      req.on('error', (err) => finish(false, `${err.message}`));
      const timer = setTimeout(() => finish(false, `no complete response within ${timeout} ms`), timeout);
      const onAbort = () => finish(false, 'aborted');
      if (ctx.signal?.aborted) onAbort();
      else ctx.signal?.addEventListener('abort', onAbort, { once: true });
    });
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
