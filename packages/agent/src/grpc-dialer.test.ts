import * as grpc from '@grpc/grpc-js';
import { loadProto } from '@vigil/shared';
import { afterEach, describe, expect, it } from 'vitest';
import type { CoordinatorTarget } from './config.js';
import { createGrpcDialer } from './grpc-dialer.js';
import { closedPort, waitFor } from './test-support/fake-coordinator.js';
import { startLateTaker, type LateTaker } from './test-support/late-taker.js';
import type { Dialer } from './transport.js';

type Answer = 'shed' | 'fail' | 'welcome';

/**
 * A real gRPC server over loopback that answers each Connect stream's Hello as told (sent
 * away with a retry hint, failed, or welcomed) and records the peer (address and port) of
 * each stream: two streams from one client port came over one connection.
 */
async function startServer(answers: Answer[]) {
  const peers: string[] = [];
  const server = new grpc.Server();
  server.addService(loadProto().vigil.v1.AgentService.service, {
    Connect: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      peers.push(call.getPeer());
      call.once('data', () => {
        const answer = answers.shift() ?? 'welcome';
        if (answer === 'welcome') {
          call.write({ welcome: { coordinatorId: 'c', intervalMs: 1000, lastSeq: 0, lastEventSeq: 0, capabilities: [], livenessIntervalMs: 0 } });
          return;
        }
        const metadata = new grpc.Metadata();
        if (answer === 'shed') metadata.set('grpc-retry-pushback-ms', '10');
        call.emit('error', { code: answer === 'shed' ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE, details: answer, metadata });
      });
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { server, peers, target: { host: '127.0.0.1', port, address: `127.0.0.1:${port}` } satisfies CoordinatorTarget };
}

/** Dials, sends a Hello, and resolves with how the stream ended: welcomed, or its error. */
function attempt(dialer: Dialer, target: CoordinatorTarget): Promise<{ welcomed: boolean; error?: Error }> {
  return new Promise((resolve) => {
    let welcomed = false;
    const stream = dialer.dial(target, {
      onMessage: (m) => {
        if (m.body === 'welcome') {
          welcomed = true;
          stream.cancel();
        }
      },
      onDrain: () => undefined,
      onClose: (error) => resolve({ welcomed, ...(error && !welcomed ? { error } : {}) }),
    });
    stream.write({ hello: { hostId: 'h1', intervalMs: 1000 } });
  });
}

/**
 * Dials with a Hello and records each event of the stream with its time (ms since the dial).
 * An event called back from inside `dial` (which the Dialer contract forbids) is recorded
 * as `<event> inside dial`, so the order assertions catch it.
 */
function recordDial(dialer: Dialer, target: CoordinatorTarget) {
  const started = Date.now();
  const events: { event: string; atMs: number }[] = [];
  let inDial = true;
  const at = (event: string) => events.push({ event: inDial ? `${event} inside dial` : event, atMs: Date.now() - started });
  const stream = dialer.dial(target, {
    onConnected: () => at('connected'),
    onTaken: () => at('taken'),
    onMessage: (m) => m.body === 'welcome' && at('welcome'),
    onDrain: () => undefined,
    onClose: () => at('closed'),
  });
  inDial = false;
  stream.write({ hello: { hostId: 'h1', intervalMs: 1000 } });
  return { stream, events, has: (e: string) => events.find((x) => x.event === e) };
}

const servers: grpc.Server[] = [];
const dialers: Dialer[] = [];
const takers: LateTaker[] = [];
afterEach(async () => {
  for (const d of dialers.splice(0)) d.close?.();
  for (const s of servers.splice(0)) s.forceShutdown();
  for (const t of takers.splice(0)) await t.stop();
});

describe('grpc dialer', () => {
  it('after a stream sent away with a retry hint, the next stream to the same coordinator reuses the connection', async () => {
    const s = await startServer(['shed', 'shed', 'welcome']);
    servers.push(s.server);
    const dialer = createGrpcDialer(grpc.credentials.createInsecure());
    dialers.push(dialer);
    const results = [await attempt(dialer, s.target), await attempt(dialer, s.target), await attempt(dialer, s.target)];
    expect(results.map((r) => r.welcomed)).toEqual([false, false, true]);
    expect((results[0]!.error as grpc.ServiceError).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(s.peers).toHaveLength(3);
    expect(new Set(s.peers).size, s.peers.join(', ')).toBe(1);
  });

  it('after any other failure the next stream opens a new connection', async () => {
    const s = await startServer(['fail', 'welcome']);
    servers.push(s.server);
    const dialer = createGrpcDialer(grpc.credentials.createInsecure());
    dialers.push(dialer);
    const first = await attempt(dialer, s.target);
    expect((first.error as grpc.ServiceError).code).toBe(grpc.status.UNAVAILABLE);
    expect((await attempt(dialer, s.target)).welcomed).toBe(true);
    expect(s.peers).toHaveLength(2);
    expect(s.peers[0]).not.toBe(s.peers[1]);
  });

  it('a connection kept for one coordinator is not used for another', async () => {
    const a = await startServer(['shed']);
    const b = await startServer(['welcome']);
    servers.push(a.server, b.server);
    const dialer = createGrpcDialer(grpc.credentials.createInsecure());
    dialers.push(dialer);
    expect((await attempt(dialer, a.target)).welcomed).toBe(false);
    expect((await attempt(dialer, b.target)).welcomed).toBe(true);
    expect(b.peers).toHaveLength(1);
    expect(a.peers).toHaveLength(1);
  });

  it('stages - TCP up at once, taken when the coordinator sends its SETTINGS, then Welcome', async () => {
    const s = await startServer(['welcome']);
    servers.push(s.server);
    const taker = await startLateTaker(s.target, 400);
    takers.push(taker);
    const dialer = createGrpcDialer(grpc.credentials.createInsecure());
    dialers.push(dialer);
    const d = recordDial(dialer, { host: '127.0.0.1', port: Number(taker.address.split(':')[1]), address: taker.address });
    await waitFor('Welcome', () => d.has('welcome'));
    d.stream.cancel();
    expect(d.events.map((e) => e.event).slice(0, 3)).toEqual(['connected', 'taken', 'welcome']);
    // The 400 ms in the taker's hands lie between the TCP connection and the coordinator taking it.
    expect(d.has('taken')!.atMs - d.has('connected')!.atMs).toBeGreaterThanOrEqual(390);
    expect(d.has('welcome')!.atMs).toBeGreaterThanOrEqual(d.has('taken')!.atMs);
  });

  it('stages - a connection the coordinator never takes is connected, never taken', async () => {
    const taker = await startLateTaker(undefined, 'never');
    takers.push(taker);
    const dialer = createGrpcDialer(grpc.credentials.createInsecure());
    dialers.push(dialer);
    const d = recordDial(dialer, { host: '127.0.0.1', port: Number(taker.address.split(':')[1]), address: taker.address });
    await waitFor('the TCP connection', () => d.has('connected'));
    await waitFor('the connection held for 500 ms', () => taker.arrivals.length === 1 && Date.now() - taker.arrivals[0]! >= 500);
    expect(d.has('taken')).toBeUndefined();
    d.stream.cancel();
    await waitFor('the close', () => d.has('closed'));
    expect(d.events.map((e) => e.event)).toEqual(['connected', 'closed']);
  });

  it('stages - a refused connection is neither connected nor taken', async () => {
    const port = await closedPort();
    const dialer = createGrpcDialer(grpc.credentials.createInsecure());
    dialers.push(dialer);
    const d = recordDial(dialer, { host: '127.0.0.1', port, address: `127.0.0.1:${port}` });
    await waitFor('the close', () => d.has('closed'));
    expect(d.events.map((e) => e.event)).toEqual(['closed']);
  });

  it('stages - a stream on a connection kept after a retry hint is taken at once, never from inside dial', async () => {
    const s = await startServer(['shed', 'welcome']);
    servers.push(s.server);
    const dialer = createGrpcDialer(grpc.credentials.createInsecure());
    dialers.push(dialer);
    expect((await attempt(dialer, s.target)).welcomed).toBe(false);
    const d = recordDial(dialer, s.target);
    await waitFor('Welcome', () => d.has('welcome'));
    d.stream.cancel();
    expect(d.events.map((e) => e.event).slice(0, 2)).toEqual(['taken', 'welcome']);
    expect(s.peers).toHaveLength(2);
    expect(new Set(s.peers).size).toBe(1);
  });
});
