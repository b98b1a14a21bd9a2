import net from 'node:net';
import { z } from 'zod';
import type { CheckContext, CheckResult, HealthCheck } from './check.js';
import { checkCommon, defineCheckKind, positiveMs } from './kind.js';

function tcpCheckSchema(defaultIntervalMs: number) {
  return z
    .object({
      type: z.literal('tcp'),
      /** @default 127.0.0.1 */
      host: z.string().min(1).max(253).default('127.0.0.1'),
      port: z.number().int().min(1).max(65_535),
      /** Connect timeout (runbook 4: port_availability). @default 5s */
      timeout: positiveMs.default(5_000),
      ...checkCommon(defaultIntervalMs),
    })
    .strict();
}

export type TcpCheckSpec = z.output<ReturnType<typeof tcpCheckSchema>>;

/** The runbook's port_availability check (`nc -zv host port`): pass = a connection within `timeout`. */
export class TcpCheck implements HealthCheck {
  readonly type = 'tcp' as const;
  constructor(
    readonly name: string,
    private readonly spec: Pick<TcpCheckSpec, 'host' | 'port' | 'timeout'>,
  ) {}

  run(ctx: CheckContext): Promise<CheckResult> {
    const { host, port, timeout } = this.spec;
    const started = performance.now();
    return new Promise<CheckResult>((resolve) => {
      let settled = false;
      const finish = (ok: boolean, detail: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ctx.signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve({ ok, detail, durationMs: Math.round(performance.now() - started) });
      };
      const socket = net.connect({ host, port });
      socket.once('connect', () => finish(true, `connected to ${host}:${port} in ${Math.round(performance.now() - started)} ms`));
      socket.once('error', (err) => finish(false, err.message));
      const timer = setTimeout(() => finish(false, `no connection to ${host}:${port} within ${timeout} ms`), timeout);
      const onAbort = () => finish(false, 'aborted');
      if (ctx.signal?.aborted) onAbort();
      else ctx.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export const tcpCheckKind = defineCheckKind({
  type: 'tcp',
  schema: tcpCheckSchema,
  defaultName: (spec) => `tcp ${spec.host}:${spec.port}`,
  create: (name, spec) => new TcpCheck(name, spec),
  servesTraffic: true,
  ports: (spec) => [spec.port],
});
