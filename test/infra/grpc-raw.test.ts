import { afterAll, describe, expect, it } from 'vitest';
import { createSecureServer, type ServerHttp2Stream } from 'node:http2';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { makeCerts } from '../helpers/certs.js';
import { connectOnce, GrpcStatus } from '../helpers/grpc-raw.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

/**
 * Checks the bare gRPC client against a stand-in server that does what the contract
 * asks of the coordinator: compare the Hello host id with the client certificate.
 */
describe('bare gRPC client', () => {
  afterAll(() => removeTempDirs());

  it('grpc-raw - sends a Hello the server can read and reports the status it ends with', async () => {
    const certs = await makeCerts(['web-1', 'other-host']);
    const seen: { hostId: string; peer: string | undefined }[] = [];
    const server = createSecureServer({
      ca: readFileSync(certs.ca),
      cert: readFileSync(certs.serverCert),
      key: readFileSync(certs.serverKey),
      requestCert: true,
      rejectUnauthorized: true,
    });
    server.on('stream', (stream: ServerHttp2Stream) => {
      let buf = Buffer.alloc(0);
      stream.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length < 5 || buf.length < 5 + buf.readUInt32BE(1)) return;
        // Field 1 (hello) → field 1 (host_id), both length-delimited: enough to read the id.
        const hello = buf.subarray(5);
        const inner = hello.subarray(2);
        const hostId = inner.subarray(2, 2 + inner[1]!).toString('utf8');
        const peer = (stream.session?.socket as TLSSocket).getPeerCertificate().subjectaltname;
        seen.push({ hostId, peer });
        if (peer === `DNS:${hostId}`) {
          // Welcome { coordinator_id: "c" }
          const welcome = Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x63]);
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          const head = Buffer.from([0, 0, 0, 0, welcome.length]);
          stream.end(Buffer.concat([head, welcome]));
        } else {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '7', 'grpc-message': encodeURIComponent('host id not in cert') }, { endStream: true });
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const good = await connectOnce({ target, ca: certs.ca, ...certs.client('web-1'), hello: { hostId: 'web-1' } });
      expect(good.error).toBeUndefined();
      expect(good.status).toBe(GrpcStatus.OK);
      expect(good.responses).toEqual([expect.objectContaining({ welcome: expect.objectContaining({ coordinatorId: 'c' }) })]);

      const impostor = await connectOnce({ target, ca: certs.ca, ...certs.client('other-host'), hello: { hostId: 'victim' } });
      expect(impostor.status).toBe(GrpcStatus.PERMISSION_DENIED);
      expect(impostor.message).toBe('host id not in cert');

      const anonymous = await connectOnce({ target, ca: certs.ca, hello: { hostId: 'web-1' }, timeoutMs: 2000 });
      expect(anonymous.status).toBeUndefined();
      expect(['error', 'closed']).toContain(anonymous.ended);

      expect(seen).toEqual([
        { hostId: 'web-1', peer: 'DNS:web-1' },
        { hostId: 'victim', peer: 'DNS:other-host' },
      ]);
    } finally {
      server.close();
    }
  });
});
