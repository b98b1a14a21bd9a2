import { connect, type Socket } from 'node:net';
import { probeErrorFrom } from './net-errors.js';
import { openExchange } from './http-exchange-frame.js';
import { HttpResponseError, HttpResponseReader } from './http-response.js';
import { roundMs } from './timing.js';
import type { ProbeContext } from './types.js';
import type { HttpExchange, HttpExchangeOptions } from './http.js';

/**
 * One GET over plain HTTP/1.1 on a bare TCP socket: the request written in one piece, the
 * response read by HttpResponseReader, the connection closed after it.
 *
 * Why not node:http: an agent runs every http check of every service at every interval,
 * and Node's client (a ClientRequest, an Agent, header validation, an IncomingMessage
 * stream) costs more than twice the CPU of the exchange itself: ~430 µs against ~190 µs
 * per GET under the agent's flags (bench/agent-footprint/README.md). What the runbook's
 * check needs of it is small: a fresh connection, the status, the body counted up to a
 * cap, the timings. https keeps node:https (http.ts).
 *
 * Same outcome as the node:http exchange: `failure` 'request' until the head is read,
 * 'response' after; socket errors as probeErrorFrom maps them.
 */
export function plainHttpExchange(url: URL, o: HttpExchangeOptions, ctx: ProbeContext): Promise<HttpExchange> {
  return new Promise((resolve) => {
    const reader = new HttpResponseReader();
    let socket: Socket | undefined;
    const frame = openExchange(url, ctx, resolve, () => socket?.destroy());
    if (!frame) return;
    const { x, started, finish } = frame;
    const stage = (): HttpExchange['failure'] => (reader.headed ? 'response' : 'request');

    const taken = (): void => {
      x.bodyBytes = Math.min(reader.bodyBytes, o.maxBodyBytes);
      if (x.status === null && reader.headed) {
        x.status = reader.status;
        x.statusText = reader.statusText;
        x.headersMs = roundMs(ctx.now() - started);
      }
    };
    const malformed = (err: HttpResponseError): void =>
      finish({ code: 'network', message: `malformed HTTP response from ${url.host}: ${err.message}` }, stage());

    socket = connect({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 80) });
    socket.setNoDelay(true);
    socket.on('connect', () => socket?.write(requestBytes(url, o.userAgent)));
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        if (err instanceof HttpResponseError) return malformed(err);
        throw err;
      }
      taken();
      if (reader.bodyBytes >= o.maxBodyBytes) {
        x.bodyTruncated = true;
        return finish();
      }
      if (reader.complete) finish();
    });
    socket.on('end', () => {
      try {
        reader.end();
      } catch (err) {
        if (!(err instanceof HttpResponseError)) throw err;
        // Node's wording for a connection that ended before the response did.
        return finish({ code: 'reset', message: `socket hang up: ${err.message}` }, stage());
      }
      taken();
      finish();
    });
    socket.on('error', (err) => finish(probeErrorFrom(err), stage()));
  });
}

/** The request as node:http would send it for this GET: the same headers, one write. */
function requestBytes(url: URL, userAgent: string): Buffer {
  const lines = [`GET ${url.pathname || '/'}${url.search} HTTP/1.1`, `Host: ${url.host}`, `User-Agent: ${userAgent}`, 'Accept: */*', 'Connection: close'];
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    lines.push(`Authorization: Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}
