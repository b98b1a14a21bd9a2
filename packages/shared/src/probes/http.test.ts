import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpProbe, probeUrl } from './http.js';
import { createProbeRunner, PROBES, ProbeRunner } from './index.js';
import type { HttpDetail } from './types.js';

describe('http - against a local server', () => {
  let server: Server;
  let base: string;
  let port: number;
  const hanging = new Set<ServerResponse>();
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['user-agent']}`);
      switch (req.url) {
        case '/':
        case '/ok':
          return res.end('fine');
        case '/fail':
          res.statusCode = 500;
          return res.end('broken');
        case '/moved':
          res.writeHead(302, { location: '/ok' });
          return res.end();
        case '/big':
          // More than the probe reads; it must hang up, not wait for all of it.
          res.write(Buffer.alloc(256 * 1024, 'x'));
          return hanging.add(res);
        case '/slow':
          return hanging.add(res);
        default:
          res.statusCode = 404;
          return res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const runner = createProbeRunner();

  it('http - 200 is up, with its timings', async () => {
    const r = await runner.run({ id: 'h1', kind: 'http', target: '127.0.0.1', url: `${base}/ok` });
    console.log(`http 200: ${r.durationMs.toFixed(1)} ms`, r.detail);
    expect(r).toMatchObject({ ok: true, detail: { kind: 'http', status: 200, bodyBytes: 4, bodyTruncated: false } });
    const d = r.detail as HttpDetail;
    expect(d.responseMs).toBeGreaterThanOrEqual(d.headersMs!);
    expect(seen).toContain('GET /ok vigil-probe');
  });

  it('http - 500 is down', async () => {
    const r = await runner.run({ id: 'h2', kind: 'http', target: '127.0.0.1', url: `${base}/fail` });
    expect(r).toMatchObject({ ok: false, error: { code: 'http_status', message: 'HTTP 500 Internal Server Error' }, detail: { status: 500 } });
  });

  it('http - a redirect counts as up and is not followed', async () => {
    const before = seen.length;
    const r = await runner.run({ id: 'h3', kind: 'http', target: '127.0.0.1', url: `${base}/moved` });
    expect(r).toMatchObject({ ok: true, detail: { status: 302 } });
    expect(seen.slice(before)).toEqual(['GET /moved vigil-probe']);
  });

  it('http - a slow response times out at the budget', async () => {
    const r = await runner.run({ id: 'h4', kind: 'http', target: '127.0.0.1', url: `${base}/slow`, timeoutMs: 300 });
    console.log(`http slow: ${r.durationMs.toFixed(1)} ms`, r.error);
    expect(r).toMatchObject({ ok: false, error: { code: 'timeout' }, detail: { status: null, responseMs: null } });
    expect(r.durationMs).toBeGreaterThanOrEqual(290);
    expect(r.durationMs).toBeLessThan(1000);
  });

  it('http - a long body is read only up to the cap', async () => {
    const probes = { ...PROBES, http: createHttpProbe({ maxBodyBytes: 1024 }) };
    const r = await new ProbeRunner(probes).run({ id: 'h5', kind: 'http', target: '127.0.0.1', url: `${base}/big`, timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: true, detail: { status: 200, bodyBytes: 1024, bodyTruncated: true } });
    expect(r.durationMs).toBeLessThan(1000);
  });

  it('http - without a url, the target and port make one', async () => {
    const r = await runner.run({ id: 'h6', kind: 'http', target: '127.0.0.1', port });
    expect(r).toMatchObject({ ok: true, detail: { url: `${base}/`, status: 200 } });
  });

  it('http - a closed port is refused', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port: p } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const r = await runner.run({ id: 'h7', kind: 'http', target: '127.0.0.1', url: `http://127.0.0.1:${p}/` });
    expect(r).toMatchObject({ ok: false, error: { code: 'refused' }, detail: { status: null } });
  });
});

describe('http - urls', () => {
  it('http - IPv6 targets are bracketed', () => {
    expect(probeUrl({ id: 'x', kind: 'http', target: '::1', port: 8080 })).toBe('http://[::1]:8080/');
    expect(probeUrl({ id: 'x', kind: 'http', target: 'web-1' })).toBe('http://web-1/');
    expect(probeUrl({ id: 'x', kind: 'http', target: 'web-1', url: 'https://web-1/health' })).toBe('https://web-1/health');
  });
});
