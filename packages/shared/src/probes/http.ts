import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { openExchange } from './http-exchange-frame.js';
import { plainHttpExchange } from './http-plain.js';
import { probeErrorFrom } from './net-errors.js';
import { isNeverResolvable, urlHost } from './target.js';
import { roundMs } from './timing.js';
import type { HttpDetail, Probe, ProbeContext, ProbeError, ProbeOutcome, ProbeRequest } from './types.js';
import { capText, RESULT_CAPS } from './text-cap.js';

declare module './types.js' {
  interface ProbeDetails {
    http: HttpDetail;
  }
}

/** The URL a request asks for: its own, or the target's root over plain HTTP. */
export function probeUrl(request: ProbeRequest): string {
  if (request.url !== undefined) return request.url;
  const port = request.port === undefined ? '' : `:${request.port}`;
  return `http://${urlHost(request.target)}${port}/`;
}

/** The runbook's verdict: 2xx and 3xx count as up (redirects are not followed). */
export function isUpStatus(status: number): boolean {
  return status >= 200 && status < 400;
}

export interface HttpProbeOptions {
  /** Budget for the whole exchange; the runbook's response-time threshold of 5 s. @default 5000 */
  defaultTimeoutMs?: number;
  /** Body bytes read before hanging up; the time to read them counts as response time. @default 65536 */
  maxBodyBytes?: number;
  /** @default 'vigil-probe' */
  userAgent?: string;
}

/** One GET as the http probe and the agent's http health check make it. */
export interface HttpExchange {
  status: number | null;
  statusText: string;
  headersMs: number | null;
  responseMs: number | null;
  bodyBytes: number;
  bodyTruncated: boolean;
  error?: ProbeError;
  /** Where it failed: the budget ran out, the caller aborted, the request or the response broke. */
  failure?: 'timeout' | 'aborted' | 'request' | 'response';
}

export interface HttpExchangeOptions {
  /** Body bytes read before hanging up; the time to read them counts as response time. */
  maxBodyBytes: number;
  userAgent: string;
  /** Accept any TLS certificate (a health endpoint with a self-signed one). @default false */
  tlsSkipVerify?: boolean;
}

/**
 * GETs `url` on a fresh connection within `ctx.timeoutMs`, reading at most `maxBodyBytes`
 * of the body. Never rejects: a failure is in `error` and `failure`. Plain HTTP goes over a
 * bare socket (http-plain.ts, for its CPU cost), https through node:https.
 */
export function httpExchange(url: URL, o: HttpExchangeOptions, ctx: ProbeContext): Promise<HttpExchange> {
  return url.protocol === 'http:' ? plainHttpExchange(url, o, ctx) : nodeHttpExchange(url, o, ctx);
}

/** The exchange through node:http(s); plain HTTP takes the bare socket (httpExchange). Exported for the tests that hold the two to the same outcomes. */
export function nodeHttpExchange(url: URL, o: HttpExchangeOptions, ctx: ProbeContext): Promise<HttpExchange> {
  return new Promise((resolve) => {
    let req: ClientRequest | undefined;
    let res: IncomingMessage | undefined;
    const frame = openExchange(url, ctx, resolve, () => {
      res?.destroy();
      req?.destroy();
    });
    if (!frame) return;
    const { x, started, finish } = frame;

    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    req = send(url, {
      method: 'GET',
      // A fresh connection each time: a pooled one would hide a server that stopped accepting.
      agent: false,
      rejectUnauthorized: !o.tlsSkipVerify,
      headers: { 'user-agent': o.userAgent, accept: '*/*', connection: 'close' },
    });
    req.on('error', (err) => finish(probeErrorFrom(err), 'request'));
    req.on('response', (response) => {
      res = response;
      x.status = response.statusCode ?? null;
      x.statusText = response.statusMessage ?? '';
      x.headersMs = roundMs(ctx.now() - started);
      response.on('data', (chunk: Buffer) => {
        x.bodyBytes += chunk.length;
        if (x.bodyBytes >= o.maxBodyBytes) {
          x.bodyBytes = Math.min(x.bodyBytes, o.maxBodyBytes);
          x.bodyTruncated = true;
          finish();
        }
      });
      response.on('end', () => finish());
      response.on('error', (err) => finish(probeErrorFrom(err), 'response'));
    });
    req.end();
  });
}

/** The runbook's response_time check: GET the URL; up on 2xx/3xx within the threshold. */
export function createHttpProbe(options: HttpProbeOptions = {}): Probe<'http'> {
  const o: Required<HttpProbeOptions> = {
    defaultTimeoutMs: options.defaultTimeoutMs ?? 5000,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    userAgent: options.userAgent ?? 'vigil-probe',
  };
  return {
    kind: 'http',
    takesUrl: true,
    capDetail: (d) => ({ ...d, url: capText(d.url, RESULT_CAPS.url) }),
    toWire: (d) => ({ statusCode: d.status ?? 0 }),
    defaultTimeoutMs: o.defaultTimeoutMs,
    minTimeoutMs: 100,
    async run(request: ProbeRequest, ctx: ProbeContext): Promise<ProbeOutcome<HttpDetail>> {
      const href = probeUrl(request);
      const url = new URL(href);
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const detailOf = (x?: HttpExchange): HttpDetail => ({
        kind: 'http',
        url: href,
        status: x?.status ?? null,
        headersMs: x?.headersMs ?? null,
        responseMs: x?.responseMs ?? null,
        bodyBytes: x?.bodyBytes ?? 0,
        bodyTruncated: x?.bodyTruncated ?? false,
      });
      if (isNeverResolvable(host)) {
        return { ok: false, detail: detailOf(), error: { code: 'not_found', message: `${host} is a reserved name that never resolves` } };
      }
      const x = await httpExchange(url, o, ctx);
      if (x.error) return { ok: false, detail: detailOf(x), error: x.error };
      if (x.status === null || !isUpStatus(x.status)) {
        return { ok: false, detail: detailOf(x), error: { code: 'http_status', message: `HTTP ${x.status ?? '?'} ${x.statusText}`.trim() } };
      }
      return { ok: true, detail: detailOf(x) };
    },
  };
}

export const httpProbe = createHttpProbe();
