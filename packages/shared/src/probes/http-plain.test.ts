import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../clock.js';
import { httpExchange, nodeHttpExchange, type HttpExchange } from './http.js';
import type { ProbeContext } from './types.js';

/*
 * Plain HTTP goes over a bare socket (http-plain.ts). A raw TCP server answers each path
 * with exact bytes, so the odd responses a health endpoint can give are all here, and
 * node:http's exchange answers the same requests for comparison.
 */
const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nfine\r\n6\r\n012345\r\n0\r\n\r\n';
const RESPONSES: Record<string, string | ((s: Socket) => void)> = {
  '/length': 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine',
  '/chunked': CHUNKED,
  '/close-delimited': 'HTTP/1.0 200 OK\r\n\r\nuntil the end',
  '/no-content': 'HTTP/1.1 204 No Content\r\n\r\n',
  '/continue': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\nno',
  '/big': `HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n${'x'.repeat(300_000)}`,
  '/not-http': 'SSH-2.0-OpenSSH_9.2\r\n',
  '/cut-in-body': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this',
  '/silent-close': '',
  // Answers the head, then never finishes the body.
  '/hang-in-body': (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstart'),
};

describe('http exchange over a bare socket', () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      let head = '';
      socket.on('data', (d) => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        requests.push(head);
        const path = /^GET (\S+)/.exec(head)?.[1]?.replace(/\?.*/, '') ?? '';
        const answer = RESPONSES[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
        if (typeof answer === 'function') return answer(socket);
        socket.end(answer, 'latin1');
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  const ctx = (timeoutMs = 2_000): ProbeContext => ({ timeoutMs, signal: new AbortController().signal, clock: systemClock, now: () => performance.now() });
  const opts = { maxBodyBytes: 64 * 1024, userAgent: 'vigil-agent health check' };
  const outcome = (x: HttpExchange) => ({ status: x.status, statusText: x.statusText, bodyBytes: x.bodyBytes, bodyTruncated: x.bodyTruncated, failure: x.failure, code: x.error?.code });

  it.each([
    ['/length', { status: 200, bodyBytes: 4 }],
    ['/chunked', { status: 200, bodyBytes: 10 }],
    ['/close-delimited', { status: 200, bodyBytes: 13 }],
    ['/no-content', { status: 204, bodyBytes: 0 }],
    ['/continue', { status: 503, statusText: 'Service Unavailable', bodyBytes: 2 }],
    ['/big', { status: 200, bodyBytes: 64 * 1024, bodyTruncated: true }],
    ['/cut-in-body', { status: 200, failure: 'response', code: 'reset' }],
  ])('%s: as node:http reads it', async (path, expected) => {
    const url = new URL(`${base}${path}`);
    const plain = await httpExchange(url, opts, ctx());
    const viaNode = await nodeHttpExchange(url, opts, ctx());
    expect(outcome(plain)).toMatchObject(expected);
    // node:http counts a body cut short as read up to the cut; the bare socket too.
    expect(outcome(plain)).toEqual(outcome(viaNode));
    if (!plain.error) {
      expect(plain.headersMs).toEqual(expect.any(Number));
      expect(plain.responseMs!).toBeGreaterThanOrEqual(plain.headersMs!);
    }
  });

  it('sends the GET node:http would: path and query, Host, User-Agent, Connection: close, basic auth from the URL', async () => {
    requests.length = 0;
    const port = new URL(base).port;
    await httpExchange(new URL(`http://ops:s%3Acret@127.0.0.1:${port}/length?probe=1&x=%20`), opts, ctx());
    const [sent] = requests;
    expect(sent!.split('\r\n')).toEqual([
      'GET /length?probe=1&x=%20 HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'User-Agent: vigil-agent health check',
      'Accept: */*',
      'Connection: close',
      `Authorization: Basic ${Buffer.from('ops:s:cret').toString('base64')}`,
      '',
      '',
    ]);
  });

  it('a response that is not HTTP fails before the head, naming what came', async () => {
    const x = await httpExchange(new URL(`${base}/not-http`), opts, ctx());
    expect(x).toMatchObject({ status: null, failure: 'request', error: { code: 'network' } });
    expect(x.error!.message).toBe(`malformed HTTP response from ${new URL(base).host}: not an HTTP/1.x status line: "SSH-2.0-OpenSSH_9.2"`);
  });

  it('a connection closed without a word is a hang-up', async () => {
    const x = await httpExchange(new URL(`${base}/silent-close`), opts, ctx());
    expect(x).toMatchObject({ status: null, failure: 'request', error: { code: 'reset', message: 'socket hang up: the connection closed before any response' } });
  });

  it('a body that never finishes times out at the budget, with the status read', async () => {
    const started = performance.now();
    const x = await httpExchange(new URL(`${base}/hang-in-body`), opts, ctx(300));
    expect(x).toMatchObject({ status: 200, failure: 'timeout', error: { code: 'timeout' }, responseMs: null });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    // The exchange hung up: the server sees its connection close.
    await vi.waitFor(() => expect(sockets.size).toBe(0), { timeout: 2_000, interval: 20 });
  });

  it('a closed port is refused, over IPv4 and IPv6 alike', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '::1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const x = await httpExchange(new URL(`http://[::1]:${port}/`), opts, ctx());
    expect(x).toMatchObject({ status: null, failure: 'request', error: { code: 'refused' } });
  });

  it('an aborted exchange says so and closes its connection', async () => {
    const ac = new AbortController();
    const pending = httpExchange(new URL(`${base}/hang-in-body`), opts, { ...ctx(), signal: ac.signal });
    // Aborted once the server holds the connection open, mid-body.
    await vi.waitFor(() => expect(sockets.size).toBe(1), { timeout: 2_000, interval: 10 });
    ac.abort();
    expect(await pending).toMatchObject({ failure: 'aborted', error: { code: 'timeout' } });
    await vi.waitFor(() => expect(sockets.size).toBe(0), { timeout: 2_000, interval: 20 });
  });
});
