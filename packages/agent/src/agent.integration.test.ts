import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, startAgent, type AgentHandle } from './agent.js';
import { resolveConfig } from './config.js';
import { FakeCoordinator, closedPort, waitFor } from './test-support/fake-coordinator.js';
import { startLateTaker } from './test-support/late-taker.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function coordinator(options?: Parameters<typeof FakeCoordinator.start>[0]): Promise<FakeCoordinator> {
  const c = await FakeCoordinator.start(options);
  cleanups.push(() => c.stop());
  return c;
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-it-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function agentFor(coordinators: string[], extra: { welcomeTimeoutMs?: number; acceptTimeoutMs?: number; interval?: string } = {}): Promise<AgentHandle> {
  const config = resolveConfig({}, {
    coordinators,
    hostId: 'Web-1.Example.com',
    interval: extra.interval ?? '200ms',
    dataDir: path.join(tempDir(), 'data'),
    labels: { zone: 'eu-1' },
  });
  const handle = await startAgent(config, {
    logger: pino({ level: 'silent' }),
    connection: { welcomeTimeoutMs: extra.welcomeTimeoutMs ?? 2000, ...(extra.acceptTimeoutMs ? { acceptTimeoutMs: extra.acceptTimeoutMs } : {}), backoff: { baseMs: 50, capMs: 500 } },
  });
  cleanups.push(() => handle.stop());
  return handle;
}

describe('agent over real gRPC', () => {
  it('stream - Hello, then heartbeats every 200 ms with growing seq and real samples; acks tracked', async () => {
    const before = Date.now();
    const coord = await coordinator();
    const { agent } = await agentFor([coord.address]);

    await waitFor('five heartbeats', () => coord.heartbeats().length >= 5);
    const stream = coord.streams[0]!;
    const hello = stream.messages[0]!;
    expect(hello.body).toBe('hello');
    expect(hello.hello).toMatchObject({
      hostId: 'web-1.example.com',
      hostname: os.hostname(),
      os: { platform: 'linux', arch: os.arch() },
      services: [],
      capabilities: ['resources', 'liveness_grant', 'liveness_datagram', 'echo'],
      intervalMs: 200,
      labels: { zone: 'eu-1' },
    });
    expect(hello.hello!.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(hello.hello!.startedAtMs).toBeGreaterThanOrEqual(before);
    expect(hello.hello!.startedAtMs).toBeLessThanOrEqual(Date.now());

    const hbs = coord.heartbeats().slice(0, 5);
    expect(hbs.map((h) => h.seq)).toEqual([1, 2, 3, 4, 5]);
    // The first heartbeat goes out at Welcome, off the host's grid; the second at the first
    // grid point at least half an interval later (100-300 ms after it). From there single
    // timers may fire late on a loaded machine, but the schedule does not drift: the mean
    // spacing stays at the interval and heartbeats never bunch up.
    const gaps = hbs.slice(1).map((h, i) => h.sentAtMs - hbs[i]!.sentAtMs);
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    const mean = (hbs[4]!.sentAtMs - hbs[1]!.sentAtMs) / 3;
    expect(mean).toBeGreaterThanOrEqual(180);
    expect(mean).toBeLessThanOrEqual(300);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(50);

    const r = hbs[0]!.resources!;
    expect(r.cpu!.cores).toBeGreaterThan(0);
    expect(r.memory!.totalBytes).toBeGreaterThan(0);
    expect(r.filesystems.map((f) => f.mount)).toContain('/');
    expect(r.network.map((n) => n.name)).not.toContain('lo');
    expect(hbs[0]!.collectors.map((c) => [c.name, c.ok])).toEqual([
      ['cpu', true],
      ['memory', true],
      ['filesystems', true],
      ['network', true],
    ]);

    await waitFor('acks up to 4', () => agent.lastAckedSeq >= 4);
    expect(agent.lastAckedSeq).toBeLessThanOrEqual(agent.lastSentSeq);
  });

  it('first heartbeat - goes out on Welcome, not one interval later', async () => {
    const coord = await coordinator();
    await agentFor([coord.address], { interval: '10s' });
    await waitFor('the first heartbeat', () => coord.heartbeats().length >= 1, 5000);
    const stream = coord.streams[0]!;
    // With a 10 s interval, anything well under 10 s proves it did not wait for the timer.
    expect(stream.arrivals[1]! - stream.welcomedAtMs!).toBeLessThan(3000);
  });

  it('failover - a refused first target sends the agent to the second', async () => {
    const dead = await closedPort();
    const coord = await coordinator({ coordinatorId: 'second' });
    const { agent } = await agentFor([`127.0.0.1:${dead}`, coord.address]);
    await waitFor('a heartbeat at the second target', () => coord.heartbeats().length >= 1);
    expect(agent.state).toMatchObject({ type: 'connected', target: coord.address, coordinatorId: 'second' });
  });

  it('failover - a target that never answers Hello is left after the Welcome timeout', async () => {
    const silent = await coordinator({ welcome: false });
    const coord = await coordinator({ coordinatorId: 'answers' });
    const { agent } = await agentFor([silent.address, coord.address], { welcomeTimeoutMs: 300 });
    await waitFor('a heartbeat at the answering target', () => coord.heartbeats().length >= 1);
    expect(silent.streams[0]!.messages.map((m) => m.body)).toEqual(['hello']);
    expect(agent.state).toMatchObject({ type: 'connected', coordinatorId: 'answers' });
  });

  it('accept wait - a coordinator that takes the connection after the Welcome wait is waited for, not left', async () => {
    const coord = await coordinator({ coordinatorId: 'busy' });
    const [host, port] = coord.address.split(':');
    // Held 1.2 s before the coordinator sees it, four times the 300 ms Welcome wait.
    const taker = await startLateTaker({ host: host!, port: Number(port) }, 1200);
    cleanups.push(() => taker.stop());
    const { agent } = await agentFor([taker.address], { welcomeTimeoutMs: 300 });
    await waitFor('a heartbeat through the late taker', () => coord.heartbeats().length >= 1);
    expect(agent.state).toMatchObject({ type: 'connected', coordinatorId: 'busy' });
    // One connection, one stream: the agent never gave up on it and dialled again.
    expect(taker.arrivals).toHaveLength(1);
    expect(coord.streams).toHaveLength(1);
  });

  it('failover - a coordinator whose process never takes the connection is left after the accept wait', async () => {
    const stuck = await startLateTaker(undefined, 'never');
    cleanups.push(() => stuck.stop());
    const coord = await coordinator({ coordinatorId: 'answers' });
    const started = Date.now();
    const { agent } = await agentFor([stuck.address, coord.address], { welcomeTimeoutMs: 300, acceptTimeoutMs: 800 });
    await waitFor('a heartbeat at the answering target', () => coord.heartbeats().length >= 1);
    expect(agent.state).toMatchObject({ type: 'connected', coordinatorId: 'answers' });
    expect(stuck.arrivals.length).toBeGreaterThanOrEqual(1);
    // Not left at the 300 ms Welcome wait: the connection was up, so it was given the accept wait.
    expect(coord.streams[0]!.arrivals[0]! - started).toBeGreaterThanOrEqual(800);
  });

  it('reconnect - after the coordinator ends the stream, the agent comes back and seq goes on', async () => {
    const coord = await coordinator();
    await agentFor([coord.address]);
    await waitFor('two heartbeats', () => coord.heartbeats().length >= 2);
    coord.endStreams();
    await waitFor('a second stream with a heartbeat', () => coord.streams[1]?.messages.some((m) => m.body === 'heartbeat'));
    const first = coord.streams[0]!.messages.flatMap((m) => (m.heartbeat ? [m.heartbeat.seq] : []));
    const second = coord.streams[1]!.messages.flatMap((m) => (m.heartbeat ? [m.heartbeat.seq] : []));
    expect(coord.streams[1]!.messages[0]!.body).toBe('hello');
    expect(second[0]).toBe(first.at(-1)! + 1);
  });

  it('stop - says Goodbye, half-closes and finishes within a second', async () => {
    const coord = await coordinator();
    const { agent } = await agentFor([coord.address]);
    await waitFor('a heartbeat', () => coord.heartbeats().length >= 1);
    const started = Date.now();
    await agent.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    const stream = coord.streams[0]!;
    expect(stream.messages.at(-1)).toMatchObject({ body: 'goodbye', goodbye: { reason: 'shutdown' } });
    await waitFor('the stream to end', () => stream.ended);
    expect(agent.state.type).toBe('stopped');
    expect(coord.streams).toHaveLength(1);
  });

  it('resilience - with no coordinator at all the agent keeps retrying instead of giving up', async () => {
    const dead = await closedPort();
    const config = resolveConfig({}, { coordinators: `127.0.0.1:${dead}`, hostId: 'h', interval: '200ms', dataDir: tempDir() });
    const agent = new Agent({ config, logger: pino({ level: 'silent' }), connection: { backoff: { baseMs: 20, capMs: 50 } } });
    cleanups.push(() => agent.stop());
    await agent.start();
    await waitFor('several failed attempts', () => agent.state.type === 'waiting' && agent.state.attempt >= 5);
  });
});
