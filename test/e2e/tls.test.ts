import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, startAgent } from '../helpers/agent.js';
import { makeCerts, type CertFiles } from '../helpers/certs.js';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { HttpError, getJson, getRaw, hostStates } from '../helpers/http.js';
import { connectOnce, GrpcStatus } from '../helpers/grpc-raw.js';
import { holdsFor, waitFor } from '../helpers/poll.js';
import { AGENT_BIN, COORDINATOR_BIN, spawnProgram } from '../helpers/processes.js';
import { runToExit } from '../helpers/run.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Mutual TLS: agents prove their host id with a client certificate signed by the CA. */
describe('mutual TLS', () => {
  let certs: CertFiles;
  let coordinator: Coordinator;
  dumpLogsOnFailure();

  beforeAll(async () => {
    certs = await makeCerts(['web-1', 'other-host', 'ip-dialer']);
    coordinator = await Coordinator.start({
      nats: 'none',
      tls: { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey },
      extraArgs: ['--api-plain-listen', '127.0.0.1:0'],
    });
  });
  afterAll(() => teardown());

  const tlsFor = (host: string) => ({ ca: certs.ca, ...certs.client(host) });

  it('tls - an agent with a certificate for its own host id comes online', async () => {
    startAgent({ coordinator: coordinator.grpcTarget, hostId: 'web-1', interval: '500ms', tls: tlsFor('web-1') });
    await waitFor(async () => (await hostStates(coordinator.baseUrl))['web-1'] === 'online', {
      timeoutMs: 10_000,
      what: 'web-1 online',
      observe: () => hostStates(coordinator.baseUrl),
    });
  });

  it('tls - an agent dialling 127.0.0.1 with mTLS prints no DEP0123 warning, and grpc-js logs come out as JSON', async () => {
    // grpc-js tracing on: its own lines must go through the agent's JSON logger too.
    const env = { ...process.env, GRPC_TRACE: 'channel,subchannel,transport', GRPC_VERBOSITY: 'DEBUG' };
    const agent = new Agent({ coordinator: coordinator.grpcTarget, hostId: 'ip-dialer', interval: '500ms', logLevel: 'debug', tls: tlsFor('ip-dialer') }, (name, args) => spawnProgram(name, AGENT_BIN, args, env));
    await waitFor(async () => (await hostStates(coordinator.baseUrl))['ip-dialer'] === 'online', {
      timeoutMs: 10_000,
      what: 'ip-dialer online',
      observe: () => hostStates(coordinator.baseUrl),
    });
    const stderr = agent.child.stderr.text();
    expect(stderr).not.toContain('DEP0123');
    expect(stderr).not.toMatch(/TLS ServerName to an IP address/);
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    const notJson = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson, 'every stderr line is a JSON log record').toEqual([]);
    const grpcLines = lines.map((l) => JSON.parse(l) as { part?: string; tracer?: string }).filter((r) => r.part === 'grpc-js');
    expect(grpcLines.length, 'grpc-js trace lines reached the JSON log').toBeGreaterThan(0);
    expect(grpcLines.some((r) => typeof r.tracer === 'string')).toBe(true);
    await agent.stop();
  });

  it('tls - the coordinator routes grpc-js log lines through its JSON logger too', async () => {
    const traced = await Coordinator.start({
      nats: 'none',
      logLevel: 'debug',
      tls: { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey },
      env: { GRPC_TRACE: 'server,server_call,subchannel', GRPC_VERBOSITY: 'DEBUG' },
    });
    const agent = startAgent({ coordinator: traced.grpcTarget, hostId: 'web-1', interval: '500ms', tls: tlsFor('web-1') });
    await waitFor(async () => (await hostStates(traced.baseUrl))['web-1'] === 'online', { timeoutMs: 10_000, what: 'web-1 online on the traced coordinator' });
    const lines = traced.child.stderr.text().split('\n').filter((l) => l.trim() !== '');
    const notJson = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson, 'every coordinator stderr line is a JSON log record').toEqual([]);
    expect(lines.map((l) => JSON.parse(l) as { part?: string }).filter((r) => r.part === 'grpc-js').length).toBeGreaterThan(0);
    await agent.stop();
    await traced.stop();
  });

  it('tls - a Hello for a host id the certificate does not name ends with PERMISSION_DENIED or UNAUTHENTICATED', async () => {
    const impostor = await connectOnce({ target: coordinator.grpcTarget, ...tlsFor('other-host'), hello: { hostId: 'victim' } });
    expect(impostor.ended, JSON.stringify(impostor)).toBe('status');
    expect([GrpcStatus.PERMISSION_DENIED, GrpcStatus.UNAUTHENTICATED], JSON.stringify(impostor)).toContain(impostor.status);
    expect(impostor.responses.filter((r) => 'welcome' in r && r.welcome)).toEqual([]);

    // The same certificate with its own host id is welcome: the refusal is about the id.
    const honest = await connectOnce({ target: coordinator.grpcTarget, ...tlsFor('other-host'), hello: { hostId: 'other-host' }, timeoutMs: 1500 });
    expect(honest.responses.some((r) => r.welcome), JSON.stringify(honest)).toBe(true);
  });

  it('tls - a connection without a client certificate is refused', async () => {
    const anonymous = await connectOnce({ target: coordinator.grpcTarget, ca: certs.ca, hello: { hostId: 'anonymous-host' }, timeoutMs: 3000 });
    expect(anonymous.responses).toEqual([]);
    // Ended by the server (handshake alert, close or a non-OK status), not left hanging.
    expect(anonymous.ended, JSON.stringify(anonymous)).not.toBe('timeout');
    expect(anonymous.status).not.toBe(GrpcStatus.OK);
    expect(Object.keys(await hostStates(coordinator.baseUrl))).not.toContain('anonymous-host');
  });

  it('tls - a client certificate from another CA is refused', async () => {
    const foreign = await makeCerts(['foreign-host']);
    const r = await connectOnce({ target: coordinator.grpcTarget, ca: certs.ca, ...foreign.client('foreign-host'), hello: { hostId: 'foreign-host' }, timeoutMs: 3000 });
    expect(r.responses).toEqual([]);
    expect(r.ended, JSON.stringify(r)).not.toBe('timeout');
    expect(r.status).not.toBe(GrpcStatus.OK);
    expect(Object.keys(await hostStates(coordinator.baseUrl))).not.toContain('foreign-host');
  });

  it('tls - an agent claiming another host id never shows up; the coordinator and the honest agent carry on', async () => {
    const victim = startAgent({ coordinator: coordinator.grpcTarget, hostId: 'victim', interval: '500ms', tls: tlsFor('other-host') });
    // Several of its connection attempts fit in this window.
    await holdsFor(
      async () => {
        const states = await hostStates(coordinator.baseUrl);
        if ('victim' in states) throw new Error(`victim appeared: ${JSON.stringify(states)}`);
        if (states['web-1'] !== 'online') throw new Error(`web-1 is ${states['web-1']}`);
        if (!coordinator.child.running) throw new Error('the coordinator exited');
      },
      { durationMs: 3000, intervalMs: 100, what: 'victim absent, web-1 online' },
    );
    const notFound = await getJson(`${coordinator.baseUrl}/v1/hosts/victim`).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(notFound).toBeInstanceOf(HttpError);
    expect((notFound as HttpError).status).toBe(404);
    expect(JSON.parse((notFound as HttpError).body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    console.log(`[observe] refused agent output tail:\n${victim.child.stderr.text().split('\n').slice(-3).join('\n')}`);
  });

  it('tls - the main API speaks only HTTPS with the coordinator certificate; the plaintext loopback listener answers', async () => {
    const httpsPort = coordinator.httpPort;
    // HTTPS with the CA: answers.
    const viaHttps = await getRaw(`https://127.0.0.1:${httpsPort}/healthz`);
    expect(viaHttps.status).toBe(200);
    // Plain HTTP to the same port: no answer.
    const plainToHttps = await getRaw(`http://127.0.0.1:${httpsPort}/healthz`).then(
      (r) => ({ answered: r.status }),
      (err: Error) => ({ failed: err.message }),
    );
    expect(plainToHttps, JSON.stringify(plainToHttps)).toHaveProperty('failed');
    // The plaintext listener from ports.json: the same API, without TLS.
    const ports = JSON.parse(readFileSync(coordinator.portsFile, 'utf8')) as { httpPlain?: number };
    expect(ports.httpPlain).toBeGreaterThan(0);
    const plain = await getRaw(`http://127.0.0.1:${ports.httpPlain}/healthz`);
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body)).toMatchObject({ status: expect.any(String), connectedAgents: expect.any(Number) });
    const hosts = await getRaw(`http://127.0.0.1:${ports.httpPlain}/v1/hosts?state=online`);
    expect(hosts.status).toBe(200);
    expect((JSON.parse(hosts.body) as { hosts: { id: string }[] }).hosts.map((h) => h.id)).toContain('web-1');
    const unknown = await getRaw(`http://127.0.0.1:${ports.httpPlain}/v1/hosts?bogus=1`);
    expect(unknown.status).toBe(400);
  });

  it('tls - the plaintext API listener is refused beyond loopback (exit 2)', async () => {
    const dataDir = tempDir('plain-exposed');
    const r = await runToExit('vigil-coordinator plain exposed', COORDINATOR_BIN, [
      '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', '--nats', 'none', '--data-dir', dataDir,
      '--tls-ca', certs.ca, '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey,
      '--api-plain-listen', '0.0.0.0:0',
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('apiPlainListen: the plaintext API listener must be on loopback');
    expect(existsSync(join(dataDir, 'ports.json'))).toBe(false);
  });

  it('tls - without TLS the coordinator refuses to listen beyond loopback (exit 2)', async () => {
    const dataDir = tempDir('exposed');
    const r = await runToExit('vigil-coordinator exposed', COORDINATOR_BIN, ['--grpc', '0.0.0.0:0', '--http', '127.0.0.1:0', '--nats', 'none', '--data-dir', dataDir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/grpc/i);
    expect(r.stderr).toContain('0.0.0.0');
    expect(r.stderr).toMatch(/tls/i);
    expect(existsSync(join(dataDir, 'ports.json')), 'it exited before listening').toBe(false);
  });
});
