import net from 'node:net';
import type { TcpCheckSpec } from '../services/schema.js';
import type { CheckContext, CheckResult, HealthCheck } from './check.js';

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
