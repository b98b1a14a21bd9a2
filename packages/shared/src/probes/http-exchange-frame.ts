import { roundMs } from './timing.js';
import type { ProbeContext, ProbeError } from './types.js';
import type { HttpExchange } from './http.js';

/** What both GET exchanges (node:http's and the bare socket's) share: the result being filled in, its clock, and how it ends. */
export interface ExchangeFrame {
  readonly x: HttpExchange;
  /** When the exchange began, on `ctx.now()`'s clock. */
  readonly started: number;
  /** Ends the exchange once: with an error (and where it failed), or complete. */
  finish(error?: ProbeError, failure?: HttpExchange['failure']): void;
}

/**
 * Starts the budget timer and listens for the caller's abort; `release` closes whatever the
 * exchange opened, and runs once, when it ends. Undefined when `ctx` is already aborted:
 * the exchange has then ended (as aborted) before it began.
 */
export function openExchange(url: URL, ctx: ProbeContext, resolve: (x: HttpExchange) => void, release: () => void): ExchangeFrame | undefined {
  const started = ctx.now();
  const x: HttpExchange = { status: null, statusText: '', headersMs: null, responseMs: null, bodyBytes: 0, bodyTruncated: false };
  let done = false;
  const finish = (error?: ProbeError, failure?: HttpExchange['failure']): void => {
    if (done) return;
    done = true;
    ctx.clock.clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    if (error) {
      x.error = error;
      if (failure) x.failure = failure;
    } else x.responseMs = roundMs(ctx.now() - started);
    release();
    resolve(x);
  };
  const onAbort = (): void => finish({ code: 'timeout', message: `no complete response from ${url.host}: probe aborted` }, 'aborted');
  const timer = ctx.clock.setTimeout(
    () => finish({ code: 'timeout', message: `no complete response from ${url.host} within ${ctx.timeoutMs} ms` }, 'timeout'),
    ctx.timeoutMs,
  );
  if (ctx.signal.aborted) {
    onAbort();
    return undefined;
  }
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  return { x, started, finish };
}
