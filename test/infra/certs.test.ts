import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { connect as tlsConnect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { makeCerts } from '../helpers/certs.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

const run = promisify(execFile);

/** A TLS server that demands a client certificate from the CA, and what it saw. */
async function mtlsHandshake(server: { ca: string; cert: string; key: string }, client: { ca: string; cert?: string; key?: string }) {
  const seen: { authorized: boolean; peerSan?: string; peerCn?: string; error?: string }[] = [];
  const srv = createServer(
    { ca: readFileSync(server.ca), cert: readFileSync(server.cert), key: readFileSync(server.key), requestCert: true, rejectUnauthorized: true },
    (socket: TLSSocket) => {
      const peer = socket.getPeerCertificate();
      seen.push({ authorized: socket.authorized, peerSan: peer.subjectaltname, peerCn: String(peer.subject?.CN) });
      socket.end('ok');
    },
  );
  srv.on('tlsClientError', (err) => seen.push({ authorized: false, error: err.message }));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  const result = await new Promise<{ data: string; error?: string }>((resolve) => {
    let data = '';
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      ca: readFileSync(client.ca),
      ...(client.cert ? { cert: readFileSync(client.cert), key: readFileSync(client.key!) } : {}),
    });
    socket.on('data', (c) => (data += c.toString()));
    socket.on('error', (err) => resolve({ data, error: err.message }));
    socket.on('close', () => resolve({ data }));
  });
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return { result, seen };
}

describe('make-certs.sh', () => {
  afterAll(() => removeTempDirs());

  it('certs - CA, server and client certificates verify against the CA', async () => {
    const certs = await makeCerts(['web-1', 'other-host']);
    for (const file of [certs.serverCert, certs.client('web-1').cert, certs.client('other-host').cert]) {
      const { stdout } = await run('openssl', ['verify', '-CAfile', certs.ca, file]);
      expect(stdout).toContain(': OK');
    }
    expect(statSync(certs.client('web-1').key).mode & 0o077).toBe(0);
    const server = await run('openssl', ['x509', '-in', certs.serverCert, '-noout', '-ext', 'subjectAltName,extendedKeyUsage']);
    expect(server.stdout).toMatch(/DNS:localhost, IP Address:127\.0\.0\.1/);
    expect(server.stdout).toMatch(/TLS Web Server Authentication/);
    const client = await run('openssl', ['x509', '-in', certs.client('web-1').cert, '-noout', '-subject', '-ext', 'subjectAltName,extendedKeyUsage']);
    expect(client.stdout).toMatch(/CN\s*=\s*web-1/);
    expect(client.stdout).toMatch(/DNS:web-1\b/);
    expect(client.stdout).toMatch(/TLS Web Client Authentication/);
  });

  it('certs - mutual TLS handshake with Node: server sees the host id, a client without a certificate is refused', async () => {
    const certs = await makeCerts(['web-1']);
    const server = { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey };
    const good = await mtlsHandshake(server, { ca: certs.ca, ...certs.client('web-1') });
    expect(good.result.error).toBeUndefined();
    expect(good.result.data).toBe('ok');
    expect(good.seen).toEqual([{ authorized: true, peerSan: 'DNS:web-1', peerCn: 'web-1' }]);

    const anonymous = await mtlsHandshake(server, { ca: certs.ca });
    expect(anonymous.result.data).toBe('');
    expect(anonymous.seen.every((s) => !s.authorized)).toBe(true);
  });

  it('certs - a second run reuses the CA and adds agents', async () => {
    const first = await makeCerts(['web-1']);
    const ca = readFileSync(first.ca, 'utf8');
    const second = await makeCerts(['db-1'], { dir: first.dir });
    expect(readFileSync(second.ca, 'utf8')).toBe(ca);
    const { stdout } = await run('openssl', ['verify', '-CAfile', second.ca, second.client('db-1').cert]);
    expect(stdout).toContain(': OK');
  });

  it('certs - refuses a host id that is not a hostname', async () => {
    await expect(makeCerts(['Bad_Host'])).rejects.toThrow(/not a lower-case hostname/);
  });
});
