import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { readFileSync } from 'node:fs';
import { frame, method } from './grpc-wire.js';

/**
 * A bare gRPC client for AgentService.Connect over node:http2, for the cases a real
 * agent cannot produce on purpose: a Hello whose host id differs from the client
 * certificate, or no client certificate at all. It reports the gRPC status the
 * coordinator ends the stream with.
 */


export interface ConnectResult {
  /** The gRPC status code the stream ended with; undefined if it was still open at the deadline. */
  status: number | undefined;
  message: string | undefined;
  /** Decoded CoordinatorMessages received before the end (e.g. a Welcome). */
  responses: Record<string, unknown>[];
  /** Transport error (e.g. the TLS handshake was refused), if any. */
  error: string | undefined;
  /** How the call ended: with a gRPC status, a transport error, a bare close, or still open at the deadline. */
  ended: 'status' | 'error' | 'closed' | 'timeout';
}

export async function connectOnce(opts: {
  target: string;
  ca: string;
  cert?: string;
  key?: string;
  hello: { hostId: string; intervalMs?: number };
  /** How long to wait for the stream to end. @default 3000 */
  timeoutMs?: number;
}): Promise<ConnectResult> {
  const result: ConnectResult = { status: undefined, message: undefined, responses: [], error: undefined, ended: 'timeout' };
  let session: ClientHttp2Session | undefined;
  try {
    session = connect(`https://${opts.target}`, {
      ca: readFileSync(opts.ca),
      ...(opts.cert && opts.key ? { cert: readFileSync(opts.cert), key: readFileSync(opts.key) } : {}),
    });
    const s = session;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, opts.timeoutMs ?? 3000);
      let settled = false;
      const finish = (how: ConnectResult['ended']) => {
        if (settled) return;
        settled = true;
        result.ended = how;
        clearTimeout(timer);
        resolve();
      };
      s.on('error', (err) => {
        result.error ??= err.message;
        finish('error');
      });
      const req = s.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: '/vigil.v1.AgentService/Connect',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const takeStatus = (headers: Record<string, unknown>) => {
        if (headers['grpc-status'] !== undefined) {
          result.status = Number(headers['grpc-status']);
          result.message = headers['grpc-message'] === undefined ? undefined : decodeURIComponent(String(headers['grpc-message']));
          finish('status');
        }
      };
      req.on('response', takeStatus);
      req.on('trailers', takeStatus);
      let pending = Buffer.alloc(0);
      req.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 5) {
          const len = pending.readUInt32BE(1);
          if (pending.length < 5 + len) break;
          result.responses.push(method().responseDeserialize(pending.subarray(5, 5 + len)));
          pending = pending.subarray(5 + len);
        }
      });
      req.on('error', (err) => {
        result.error ??= err.message;
        finish('error');
      });
      req.on('close', () => finish(result.status !== undefined ? 'status' : result.error !== undefined ? 'error' : 'closed'));
      const hello = {
        hello: {
          hostId: opts.hello.hostId,
          agentVersion: 'test',
          hostname: opts.hello.hostId,
          intervalMs: opts.hello.intervalMs ?? 500,
          startedAtMs: Date.now(),
        },
      };
      req.write(frame(method().requestSerialize(hello)));
    });
  } catch (err) {
    result.error ??= (err as Error).message;
    result.ended = 'error';
  } finally {
    session?.destroy();
  }
  return result;
}

/** gRPC status codes the checks below refer to. */
export const GrpcStatus = { OK: 0, INVALID_ARGUMENT: 3, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;
