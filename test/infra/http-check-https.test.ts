import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpCheck } from '../../packages/agent/src/checks/http.js';
import { makeCerts } from '../helpers/certs.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

/*
 * Plain HTTP checks run over a bare socket; https ones through node:https. This keeps the
 * second path honest: a real TLS server with a certificate from a private CA.
 */
describe('http check - https', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const certs = await makeCerts([]);
    server = createServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, (req, res) => {
      res.statusCode = req.url === '/health' ? 200 : 503;
      res.end('tls ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  }, 30_000);
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    removeTempDirs();
  });

  const ctx = { pids: async () => [] };
  const check = (path: string, tlsSkipVerify: boolean) => new HttpCheck('https', { url: `https://127.0.0.1:${port}${path}`, timeout: 2_000, tlsSkipVerify });

  it('a certificate the host does not trust fails the check, naming TLS', async () => {
    const r = await check('/health', false).run(ctx);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/certificate/i);
  });

  it('with tlsSkipVerify the status decides', async () => {
    expect(await check('/health', true).run(ctx)).toMatchObject({ ok: true, detail: expect.stringMatching(/^HTTP 200 in \d+ ms$/) });
    expect(await check('/down', true).run(ctx)).toMatchObject({ ok: false, detail: expect.stringMatching(/^HTTP 503 in \d+ ms \(expected 2xx\/3xx\)$/) });
  });
});
