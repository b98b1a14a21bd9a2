import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '@vigil/shared';
import { afterAll, describe, expect, it } from 'vitest';
import type { CoordinatorTarget } from './config.js';
import { createCredentials } from './credentials.js';
import { createGrpcDialer } from './grpc-dialer.js';

const MAKE_CERTS = fileURLToPath(new URL('../../../scripts/make-certs.sh', import.meta.url));
const dirs: string[] = [];
const servers: grpc.Server[] = [];

afterAll(() => {
  for (const s of servers) s.forceShutdown();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A CA, a coordinator certificate with these subjectAltNames and a client certificate for `agent-1`. */
function certs(serverSan: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-creds-'));
  dirs.push(dir);
  execFileSync('bash', [MAKE_CERTS, '--server-san', serverSan, dir, 'agent-1'], { stdio: 'ignore', timeout: 30_000 });
  return { dir, tls: { ca: join(dir, 'ca.crt'), cert: join(dir, 'agents', 'agent-1.crt'), key: join(dir, 'agents', 'agent-1.key') } };
}

/** A real mutual-TLS gRPC server on 127.0.0.1 that counts the Connect calls reaching it. */
async function tlsServer(dir: string): Promise<{ target: CoordinatorTarget; calls: () => number }> {
  let calls = 0;
  const server = new grpc.Server();
  servers.push(server);
  server.addService(loadProto().vigil.v1.AgentService.service, {
    Connect: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      calls++;
      call.end();
    },
  });
  const creds = grpc.ServerCredentials.createSsl(readFileSync(join(dir, 'ca.crt')), [{ private_key: readFileSync(join(dir, 'coordinator.key')), cert_chain: readFileSync(join(dir, 'coordinator.crt')) }], true);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))));
  return { target: { host: '127.0.0.1', port, address: `127.0.0.1:${port}` }, calls: () => calls };
}

function dialOnce(credentials: ReturnType<typeof createCredentials>, target: CoordinatorTarget): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const stream = createGrpcDialer(credentials).dial(target, { onMessage: () => {}, onDrain: () => {}, onClose: resolve });
    stream.write({ hello: { hostId: 'agent-1' } } as never);
  });
}

describe('credentials - coordinator dialled by IP address', () => {
  it('credentials - a certificate naming the IP is accepted and the stream reaches the server', async () => {
    const { dir, tls } = certs('DNS:localhost,IP:127.0.0.1');
    const server = await tlsServer(dir);
    const err = await dialOnce(createCredentials(tls), server.target);
    expect(err?.message).toBeUndefined();
    expect(server.calls()).toBe(1);
  });

  it('credentials - a certificate without the IP is refused: the name sent instead of the IP is never what is verified', async () => {
    const { dir, tls } = certs('DNS:localhost,DNS:coordinator.vigil.invalid');
    const server = await tlsServer(dir);
    const err = await dialOnce(createCredentials(tls), server.target);
    expect(err?.message).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list/);
    expect(server.calls()).toBe(0);
  });

  it('credentials - a host name target keeps grpc-js verification by that name', async () => {
    const { dir, tls } = certs('DNS:localhost');
    const server = await tlsServer(dir);
    const err = await dialOnce(createCredentials(tls), { ...server.target, host: 'localhost', address: `localhost:${server.target.port}` });
    expect(err?.message).toBeUndefined();
    expect(server.calls()).toBe(1);
  });
});
