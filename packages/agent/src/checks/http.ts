import http from 'node:http';
import https from 'node:https';
import type { HttpCheckSpec } from '../services/schema.js';
import type { CheckContext, CheckResult, HealthCheck } from './check.js';

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
