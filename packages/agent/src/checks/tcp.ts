import { connectTcp } from '@vigil/shared';
import { z } from 'zod';
import type { CheckContext, CheckResult, HealthCheck } from './check.js';
import { checkCommon, defineCheckKind, positiveMs } from './kind.js';
import { probeContext } from './probe-context.js';

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

/**
 * The runbook's port_availability check (`nc -zv host port`): pass = a connection within
 * `timeout`. The connect is the probes' (connectTcp); this adapter only words the result.
 */
export class TcpCheck implements HealthCheck {
  readonly type = 'tcp' as const;
  constructor(
    readonly name: string,
    private readonly spec: Pick<TcpCheckSpec, 'host' | 'port' | 'timeout'>,
  ) {}

  async run(ctx: CheckContext): Promise<CheckResult> {
    const { host, port, timeout } = this.spec;
    const started = performance.now();
    const conn = await connectTcp(host, port, timeout, probeContext(timeout, ctx));
    const durationMs = Math.round(performance.now() - started);
    if (conn.ok) {
      conn.socket.destroy();
      return { ok: true, detail: `connected to ${host}:${port} in ${Math.round(conn.connectMs)} ms`, durationMs };
    }
    const detail = conn.reason === 'aborted' ? 'aborted' : conn.reason === 'timeout' ? `no connection to ${host}:${port} within ${timeout} ms` : conn.error.message;
    return { ok: false, detail, durationMs };
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
