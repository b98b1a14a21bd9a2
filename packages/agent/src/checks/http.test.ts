import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test-fixtures/helpers.js';
import { HttpCheck } from './http.js';

let server: http.Server;
let base: string;
const sockets = new Set<Socket>();
const ctx = { pids: async () => [] };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    switch (req.url) {
      case '/ok':
        res.end('fine');
        break;
      case '/redirect':
        res.writeHead(301, { location: '/ok' }).end();
        break;
      case '/error':
        res.writeHead(500).end('broken');
        break;
      case '/no-content':
        res.writeHead(204).end();
        break;
      case '/slow':
        setTimeout(() => res.end('late'), 2_000);
        break;
      case '/hang':
        break; // never answers
      default:
        res.writeHead(404).end();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const check = (path: string, timeout = 1_000, expectStatus?: number[]) => new HttpCheck('http', { url: `${base}${path}`, timeout, tlsSkipVerify: false, ...(expectStatus ? { expectStatus } : {}) });

describe('http check', () => {
  it('http - 2xx within the threshold passes, with the response time', async () => {
    const r = await check('/ok').run(ctx);
    expect(r.ok).toBe(true);
    expect(r.detail).toMatch(/^HTTP 200 in \d+ ms$/);
    expect(r.durationMs).toBeLessThan(1_000);
  });

  it('http - 3xx passes (not followed), 5xx and 4xx fail', async () => {
    expect((await check('/redirect').run(ctx)).ok).toBe(true);
    const r = await check('/error').run(ctx);
    expect(r).toMatchObject({ ok: false, detail: expect.stringMatching(/^HTTP 500 in \d+ ms \(expected 2xx\/3xx\)$/) });
    expect((await check('/missing').run(ctx)).ok).toBe(false);
  });

  it('http - expectStatus narrows what passes', async () => {
    expect((await check('/no-content', 1_000, [204]).run(ctx)).ok).toBe(true);
    expect((await check('/ok', 1_000, [204]).run(ctx)).ok).toBe(false);
  });

  it('http - slower than the threshold fails at the threshold, not later', async () => {
    const r = await check('/slow', 200).run(ctx);
    expect(r).toMatchObject({ ok: false, detail: 'no complete response within 200 ms' });
    expect(r.durationMs).toBeGreaterThanOrEqual(195);
    // the server answers after 2 s: a check that waited for it would take that long
    expect(r.durationMs).toBeLessThan(1_500);
  });

  it('http - a server that accepts and never answers fails', async () => {
    expect(await check('/hang', 150).run(ctx)).toMatchObject({ ok: false, detail: 'no complete response within 150 ms' });
  });

  it('http - connection refused fails with the reason', async () => {
    const port = await freePort();
    const r = await new HttpCheck('http', { url: `http://127.0.0.1:${port}/`, timeout: 1_000, tlsSkipVerify: false }).run(ctx);
    expect(r).toMatchObject({ ok: false, detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('http - an abort ends the request at once', async () => {
    const ac = new AbortController();
    const pending = check('/hang', 5_000).run({ ...ctx, signal: ac.signal });
    ac.abort();
    expect(await pending).toMatchObject({ ok: false, detail: 'aborted' });
  });
});
