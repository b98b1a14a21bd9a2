import { connectTcp } from './connect.js';
import { isNeverResolvable } from './target.js';
import type { Probe, ProbeContext, ProbeOutcome, ProbeRequest, TcpDetail } from './types.js';

declare module './types.js' {
  interface ProbeDetails {
    tcp: TcpDetail;
  }
}

export interface TcpProbeOptions {
  /** Budget when the request names none; the runbook's `nc -zv` has no timeout of its own. @default 5000 */
  defaultTimeoutMs?: number;
}

/** The runbook's port_availability check: the port accepts a connection. Nothing is sent. */
export function createTcpProbe(options: TcpProbeOptions = {}): Probe<'tcp'> {
  return {
    kind: 'tcp',
    needsPort: true,
    defaultTimeoutMs: options.defaultTimeoutMs ?? 5000,
    minTimeoutMs: 100,
    async run(request: ProbeRequest, ctx: ProbeContext): Promise<ProbeOutcome<TcpDetail>> {
      // A TCP probe without a port has nothing to check; the schema cannot know the kind's needs.
      if (request.port === undefined) {
        return { ok: false, detail: { kind: 'tcp', port: 0, connectMs: null }, error: { code: 'invalid_request', message: 'port: required for tcp probes (got missing)' } };
      }
      const port = request.port;
      if (isNeverResolvable(request.target)) {
        return { ok: false, detail: { kind: 'tcp', port, connectMs: null }, error: { code: 'not_found', message: `${request.target} is a reserved name that never resolves` } };
      }
      const conn = await connectTcp(request.target, port, ctx.timeoutMs, ctx);
      if (!conn.ok) return { ok: false, detail: { kind: 'tcp', port, connectMs: null }, error: conn.error };
      conn.socket.destroy();
      return { ok: true, detail: { kind: 'tcp', port, connectMs: conn.connectMs } };
    },
  };
}

export const tcpProbe = createTcpProbe();
