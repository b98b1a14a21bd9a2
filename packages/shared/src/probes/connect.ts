import { connect, type Socket } from 'node:net';
import { probeErrorFrom } from './net-errors.js';
import { roundMs } from './timing.js';
import type { ProbeContext, ProbeError } from './types.js';

export type TcpConnection =
  | { readonly ok: true; readonly socket: Socket; readonly connectMs: number }
  | { readonly ok: false; readonly error: ProbeError; /** What ended the attempt: the budget, the caller's abort or a socket error. */ readonly reason: 'timeout' | 'aborted' | 'error' };

/**
 * Opens a TCP connection within `timeoutMs`, or says why not. Never rejects; on failure
 * the socket is already destroyed, on success the caller owns it and must destroy it.
 */
export function connectTcp(host: string, port: number, timeoutMs: number, ctx: ProbeContext): Promise<TcpConnection> {
  return new Promise((resolve) => {
    const started = ctx.now();
    const socket = connect({ host, port });
    // A late error after we are done (a reset while closing) must not go unhandled.
    socket.on('error', () => {});

    const finish = (outcome: TcpConnection): void => {
      ctx.clock.clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      if (!outcome.ok) socket.destroy();
      resolve(outcome);
    };
    const onConnect = (): void => finish({ ok: true, socket, connectMs: roundMs(ctx.now() - started) });
    const onError = (err: Error): void => finish({ ok: false, error: probeErrorFrom(err), reason: 'error' });
    const onAbort = (): void => finish({ ok: false, error: { code: 'timeout', message: `no connection to ${host}:${port}: probe aborted` }, reason: 'aborted' });

    const timer = ctx.clock.setTimeout(
      () => finish({ ok: false, error: { code: 'timeout', message: `no connection to ${host}:${port} within ${timeoutMs} ms` }, reason: 'timeout' }),
      timeoutMs,
    );
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}
