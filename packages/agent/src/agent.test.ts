import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeLivenessDatagram, FakeClock, type Heartbeat } from '@vigil/shared';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent, type AgentOptions } from './agent.js';
import { Cadence } from './cadence.js';
import type { Collector } from './collectors/types.js';
import { resolveConfig } from './config.js';
import type { AgentPlugin } from './plugin.js';
import { FakeDialer } from './test-support/fake-dialer.js';

const cpuCollector: Collector = { name: 'cpu', collect: async () => ({ cpu: { usagePercent: 5, load1: 0.1, load5: 0.1, load15: 0.1, cores: 2 } }) };

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(plugins: AgentPlugin[] = [], extra: Partial<AgentOptions> = {}) {
  const clock = new FakeClock();
  const dialer = new FakeDialer();
  const config = resolveConfig({}, {
    hostId: 'Web-1.Example.com',
    interval: '1s',
    coordinators: '127.0.0.1:7401,127.0.0.1:7402',
    dataDir: dirs[dirs.push(mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-unit-'))) - 1]!,
    labels: { zone: 'eu-1' },
  });
  const agent = new Agent({
    config,
    dialer,
    clock,
    plugins,
    logger: pino({ level: 'silent' }),
    collectors: [cpuCollector],
    staticInfo: async () => ({ hostname: 'web-1', os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1.0', arch: 'x64' } }),
    connection: { backoff: { random: () => 0.5 } },
    // The grid on the fake clock's whole seconds, where the Welcomes below arrive.
    cadence: new Cadence(clock, 0),
    ...extra,
  });
  const heartbeats = () => dialer.streams.flatMap((s) => s.written.flatMap((m) => (m.heartbeat ? [m.heartbeat as Heartbeat] : [])));
  return { clock, dialer, agent, heartbeats };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('agent', () => {
  it('hello - carries identity, os, capabilities, interval, labels, start time and attempt', async () => {
    const t = setup();
    await t.agent.start();
    expect(t.dialer.last.written[0]).toEqual({
      hello: {
        hostId: 'web-1.example.com',
        agentVersion: expect.any(String),
        hostname: 'web-1',
        os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1.0', arch: 'x64' },
        services: [],
        capabilities: ['resources', 'liveness_grant', 'liveness_datagram', 'echo'],
        intervalMs: 1000,
        livenessIntervalMs: 1000,
        labels: { zone: 'eu-1' },
        startedAtMs: t.clock.now(),
        // The first stream this process dialled.
        attempt: 1,
      },
    });
  });

  it('liveness - sent at the period the Welcome grants, apart from heartbeats; none when none is granted', async () => {
    const t = setup();
    await t.agent.start();
    const liveness = () => t.dialer.streams.flatMap((s) => s.written.filter((m) => m.liveness));
    const welcomedAt = t.clock.now();
    t.dialer.last.welcome(5000, 'c1', 1000);
    t.clock.advance(999);
    expect(liveness()).toHaveLength(0);
    t.clock.advance(1);
    expect(liveness()).toEqual([{ liveness: { agentStallMs: 0 } }]);
    t.clock.advance(10_000);
    expect(liveness()).toHaveLength(11);
    // The first heartbeat on Welcome; the next ones a liveness period after the grid's
    // 5 s points, on a liveness tick, no closer than half an interval to the one before.
    expect(t.heartbeats().map((h) => Number(h.sentAtMs) - welcomedAt)).toEqual([0, 6000, 11_000]);
    // The stream is lost: no liveness until a new Welcome; that one grants none.
    t.dialer.last.close(new Error('14 UNAVAILABLE: gone'));
    t.clock.advance(60_000);
    expect(liveness()).toHaveLength(11);
    t.dialer.last.welcome(5000, 'c1', 0);
    t.clock.advance(10_000);
    expect(liveness()).toHaveLength(11);
  });

  it('liveness - a LivenessGrant changes the period on the stream, 0 stops it; a grant under 100 ms or not whole is refused and the period kept', async () => {
    const t = setup();
    await t.agent.start();
    const liveness = () => t.dialer.streams.flatMap((s) => s.written.filter((m) => m.liveness)).length;
    t.dialer.last.welcome(5000, 'c1', 1000);
    t.clock.advance(3000);
    expect(liveness()).toBe(3);
    t.dialer.last.send({ body: 'livenessGrant', livenessGrant: { livenessIntervalMs: 2500, datagramsHeard: false } });
    expect(t.agent.livenessPeriodMs).toBe(2500);
    t.clock.advance(10_000);
    expect(liveness()).toBe(7);
    for (const bad of [50, -1, 1.5]) {
      t.dialer.last.send({ body: 'livenessGrant', livenessGrant: { livenessIntervalMs: bad, datagramsHeard: false } });
      expect(t.agent.livenessPeriodMs).toBe(2500);
    }
    t.dialer.last.send({ body: 'livenessGrant', livenessGrant: { livenessIntervalMs: 0, datagramsHeard: false } });
    expect(t.agent.livenessPeriodMs).toBe(0);
    t.clock.advance(10_000);
    expect(liveness()).toBe(7);
    t.dialer.last.send({ body: 'livenessGrant', livenessGrant: { livenessIntervalMs: 1000, datagramsHeard: false } });
    t.clock.advance(2000);
    expect(liveness()).toBe(9);
  });

  it('echo - answered at once on the stream with its nonce; one without a usable nonce is ignored', async () => {
    const t = setup();
    await t.agent.start();
    t.dialer.last.welcome(5000, 'c1', 1000);
    const replies = () => t.dialer.last.written.filter((m) => m.echoReply).map((m) => m.echoReply);
    t.dialer.last.send({ body: 'echo', echo: { nonce: 4_000_000_001 } });
    expect(replies()).toEqual([{ nonce: 4_000_000_001 }]);
    for (const bad of [0, -3, 1.5]) t.dialer.last.send({ body: 'echo', echo: { nonce: bad } });
    t.dialer.last.send({ body: 'echo', echo: null });
    expect(replies()).toEqual([{ nonce: 4_000_000_001 }]);
    t.dialer.last.send({ body: 'echo', echo: { nonce: 7 } });
    expect(replies()).toEqual([{ nonce: 4_000_000_001 }, { nonce: 7 }]);
  });

  it('liveness datagrams - sent where the Welcome offers them, with the stream message until the coordinator says they are heard', async () => {
    const sockets: { host: string; port: number; sent: Buffer[]; closed: boolean; fail: (e: Error) => void }[] = [];
    const t = setup([], {
      datagramSocket: (host, port, onError) => {
        const s = { host, port, sent: [] as Buffer[], closed: false, fail: onError };
        sockets.push(s);
        return { send: (d) => void s.sent.push(d), close: () => void (s.closed = true) };
      },
    });
    await t.agent.start();
    const streamLiveness = () => t.dialer.streams.flatMap((s) => s.written.filter((m) => m.liveness)).length;
    const key = Buffer.alloc(16, 3);
    const offer = (port: number, k: Buffer, slot: number) =>
      t.dialer.last.send({ body: 'welcome', welcome: { coordinatorId: 'c1', intervalMs: 5000, lastSeq: 0, capabilities: [], lastEventSeq: 0, livenessIntervalMs: 1000, livenessDatagramPort: port, livenessDatagramKey: k, livenessDatagramSlot: slot } });
    offer(7400, key, 9);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]).toMatchObject({ host: '127.0.0.1', port: 7400 });
    t.clock.advance(2500);
    // Both ways until heard: a filtered UDP path must not leave the host unheard.
    expect(sockets[0]!.sent).toHaveLength(2);
    expect(streamLiveness()).toBe(2);
    const decoded = sockets[0]!.sent.map((d) => decodeLivenessDatagram(d, (slot) => (slot === 9 ? key : undefined), () => 0));
    expect(decoded.map((r) => (r.ok ? r.datagram : r.detail))).toEqual([
      { slot: 9, seq: 1, agentStallMs: 0 },
      { slot: 9, seq: 2, agentStallMs: 0 },
    ]);
    t.dialer.last.send({ body: 'livenessGrant', livenessGrant: { livenessIntervalMs: 1000, datagramsHeard: true } });
    // The grant (mid-period) changes no period, so the timer keeps its pace: the next
    // liveness is due at 3 s, not a period after the grant.
    t.clock.advance(500);
    expect(sockets[0]!.sent).toHaveLength(3);
    t.clock.advance(2500);
    expect(sockets[0]!.sent).toHaveLength(5);
    expect(streamLiveness()).toBe(2);
    // Send failures are the coordinator's to notice (it asks for the stream); nothing breaks.
    sockets[0]!.fail(new Error('connect ECONNREFUSED'));
    t.dialer.last.send({ body: 'livenessGrant', livenessGrant: { livenessIntervalMs: 1000, datagramsHeard: false } });
    t.clock.advance(1000);
    expect(sockets[0]!.sent).toHaveLength(6);
    expect(streamLiveness()).toBe(3);
    // A new stream: the old socket closed, a new one for the new slot and key, seq from 1.
    t.dialer.last.close(new Error('14 UNAVAILABLE: gone'));
    expect(sockets[0]!.closed).toBe(true);
    t.clock.advance(60_000);
    const key2 = Buffer.alloc(16, 4);
    offer(7400, key2, 2);
    t.clock.advance(1000);
    const last = sockets.at(-1)!;
    expect(last.closed).toBe(false);
    expect(decodeLivenessDatagram(last.sent[0]!, () => key2, () => 0)).toEqual({ ok: true, datagram: { slot: 2, seq: 1, agentStallMs: 0 } });
  });

  it('liveness datagrams - an unusable offer (a key that is not 16 bytes, a port out of range) is ignored: liveness goes on the stream', async () => {
    const opened: number[] = [];
    const t = setup([], { datagramSocket: (_h, port) => (opened.push(port), { send: () => {}, close: () => {} }) });
    await t.agent.start();
    const streamLiveness = () => t.dialer.streams.flatMap((s) => s.written.filter((m) => m.liveness)).length;
    t.dialer.last.send({ body: 'welcome', welcome: { coordinatorId: 'c1', intervalMs: 5000, lastSeq: 0, capabilities: [], lastEventSeq: 0, livenessIntervalMs: 1000, livenessDatagramPort: 7400, livenessDatagramKey: Buffer.alloc(3), livenessDatagramSlot: 1 } });
    // "Heard" for datagrams it never sent must not silence the stream either.
    t.dialer.last.send({ body: 'livenessGrant', livenessGrant: { livenessIntervalMs: 1000, datagramsHeard: true } });
    t.clock.advance(2000);
    expect(opened).toEqual([]);
    expect(streamLiveness()).toBe(2);
  });

  it('liveness - a timer that fires late reports the stall, so the coordinator can name it as the agent\'s own', async () => {
    const t = setup();
    await t.agent.start();
    t.dialer.last.welcome(5000, 'c1', 1000);
    t.clock.advance(1000);
    // A fake clock jumping 3 s at once is what a blocked event loop looks like to a timer.
    t.clock.stall(3000);
    const sent = t.dialer.streams.flatMap((s) => s.written.filter((m) => m.liveness));
    expect(sent.at(-1)).toEqual({ liveness: { agentStallMs: 2000 } });
  });

  it('liveness after a stall - goes on the stream as well, ahead of the heartbeat the stall held back, even when datagrams are heard', async () => {
    const t = setup([], { datagramSocket: () => ({ send: () => {}, close: () => {} }) });
    await t.agent.start();
    t.dialer.last.send({ body: 'welcome', welcome: { coordinatorId: 'c1', intervalMs: 5000, lastSeq: 0, capabilities: [], lastEventSeq: 0, livenessIntervalMs: 1000, livenessDatagramPort: 7400, livenessDatagramKey: Buffer.alloc(16, 3), livenessDatagramSlot: 1 } });
    t.dialer.last.send({ body: 'livenessGrant', livenessGrant: { livenessIntervalMs: 1000, datagramsHeard: true } });
    t.clock.advance(5500);
    const before = t.dialer.last.written.length;
    // Frozen from 5.5 s to 7 s: the heartbeat and the liveness both fell due at 6 s.
    t.clock.stall(1500);
    const after = t.dialer.last.written.slice(before).map((m) => (m.liveness ? `liveness ${(m.liveness as { agentStallMs: number }).agentStallMs}` : m.heartbeat ? 'heartbeat' : 'other'));
    // The stream keeps order: the coordinator reads the stall before the heartbeat that
    // would otherwise bring the host back without naming it.
    expect(after).toEqual(['liveness 1000', 'heartbeat']);
    // Without a stall, datagrams heard: nothing more on the stream but heartbeats.
    t.clock.advance(5000);
    expect(t.dialer.last.written.slice(before + 2).filter((m) => m.liveness)).toEqual([]);
  });

  it('heartbeats - the first goes out on Welcome, then one per interval, with the latest sample', async () => {
    const t = setup();
    await t.agent.start();
    t.dialer.last.welcome(1000);
    expect(t.heartbeats().map((h) => h.seq)).toEqual([1]);
    expect(t.heartbeats()[0]!.resources).toMatchObject({ cpu: { cores: 2 } });
    expect(t.heartbeats()[0]!.collectors).toEqual([{ name: 'cpu', ok: true, durationMs: expect.any(Number), error: '' }]);
    t.clock.advance(999);
    expect(t.heartbeats()).toHaveLength(1);
    t.clock.advance(1);
    t.clock.advance(1000);
    expect(t.heartbeats().map((h) => h.seq)).toEqual([1, 2, 3]);
  });

  it('heartbeats - after the first, on the liveness tick a period after each grid point (on the grid point without liveness), whenever the Welcome came', async () => {
    for (const [liveness, expected] of [
      [1000, [2300, 6000, 11_000]],
      [0, [2300, 5000, 10_000]],
    ] as const) {
      const t = setup();
      const origin = t.clock.now(); // a grid point: the setup's grid has phase 0
      await t.agent.start();
      t.clock.advance(2300);
      t.dialer.last.welcome(5000, 'c1', liveness);
      t.clock.advance(12_000);
      expect(t.heartbeats().map((h) => Number(h.sentAtMs) - origin)).toEqual(expected);
      const sent = t.dialer.streams.flatMap((s) => s.written.filter((m) => m.liveness)).length;
      expect(sent).toBe(liveness ? 12 : 0);
    }
  });

  it('heartbeats - follow the interval the coordinator answers with', async () => {
    const t = setup();
    await t.agent.start();
    t.dialer.last.welcome(2500);
    t.clock.advance(5000);
    expect(t.heartbeats().map((h) => h.seq)).toEqual([1, 2, 3]);
  });

  it('seq - keeps growing across reconnects and is never reused', async () => {
    const t = setup();
    await t.agent.start();
    t.dialer.last.welcome(1000);
    t.clock.advance(1000);
    t.dialer.last.close(new Error('14 UNAVAILABLE: gone'));
    t.clock.advance(150); // lost before healthy: next target after 0.5 x 200 ms
    expect(t.dialer.streams).toHaveLength(2);
    t.dialer.last.welcome(1000);
    expect(t.heartbeats().map((h) => h.seq)).toEqual([1, 2, 3]);
    expect(t.dialer.streams[1]!.written[1]!.heartbeat!.seq).toBe(3);
  });

  it('acks - tracks the highest acked seq and ignores acks for unsent ones', async () => {
    const t = setup();
    await t.agent.start();
    t.dialer.last.welcome(1000);
    t.clock.advance(2000);
    t.dialer.last.send({ body: 'ack', ack: { seq: 2 } });
    t.dialer.last.send({ body: 'ack', ack: { seq: 1 } });
    expect(t.agent.lastAckedSeq).toBe(2);
    t.dialer.last.send({ body: 'ack', ack: { seq: 99 } });
    expect([t.agent.lastSentSeq, t.agent.lastAckedSeq]).toEqual([3, 2]);
  });

  it('backpressure - heartbeats are skipped, not queued, while the stream is backed up', async () => {
    const t = setup();
    await t.agent.start();
    t.dialer.last.welcome(1000);
    t.dialer.last.accepts = false;
    t.clock.advance(1000); // seq 2 is written and fills the buffer
    t.clock.advance(2000); // two ticks skipped
    expect(t.heartbeats().map((h) => h.seq)).toEqual([1, 2]);
    t.dialer.last.drain();
    t.clock.advance(1000);
    expect(t.heartbeats().map((h) => h.seq)).toEqual([1, 2, 3]);
  });

  it('plugins - add to Hello and heartbeats, get their request kinds, and cannot break the agent', async () => {
    const seen: string[] = [];
    const good: AgentPlugin = {
      name: 'svc',
      hello: () => ({ services: [{ name: 'nginx', manager: 'systemd', recoveryEnabled: true }], capabilities: ['services'] }),
      heartbeat: () => ({ services: [{ name: 'nginx', state: 'running' }], collectors: [{ name: 'svc', ok: true, durationMs: 1, error: '' }] }),
      requests: { recover: (r) => seen.push(`recover ${r.service}`), eventAck: (a) => seen.push(`eventAck ${a.eventSeq}`) },
      onConnected: (w) => seen.push(`connected ${w.coordinatorId}`),
    };
    const broken: AgentPlugin = {
      name: 'broken',
      hello: () => {
        throw new Error('boom');
      },
      heartbeat: () => {
        throw new Error('boom');
      },
      onMessage: () => {
        throw new Error('boom');
      },
    };
    const t = setup([broken, good]);
    await t.agent.start();
    const hello = t.dialer.last.written[0]!.hello!;
    expect(hello.capabilities).toEqual(['resources', 'liveness_grant', 'liveness_datagram', 'echo', 'services']);
    expect(hello.services).toEqual([{ name: 'nginx', manager: 'systemd', recoveryEnabled: true }]);
    t.dialer.last.welcome(1000, 'coord-x');
    const hb = t.heartbeats()[0]!;
    expect(hb.services).toEqual([{ name: 'nginx', state: 'running' }]);
    expect(hb.collectors!.map((c) => c.name)).toEqual(['cpu', 'svc']);
    t.dialer.last.send({ body: 'recover', recover: { requestId: 'r1', service: 'nginx', reason: 'down' } });
    t.dialer.last.send({ body: 'eventAck', eventAck: { eventSeq: 7 } });
    t.dialer.last.send({ body: 'probe', probe: { requestId: 'p1', kind: 'ping', target: 'db-1', port: 0, url: '', timeoutMs: 1000 } });
    expect(seen).toEqual(['connected coord-x', 'recover nginx', 'eventAck 7']);
    t.clock.advance(1000);
    expect(t.heartbeats()).toHaveLength(2);
  });

  it('stop - sends Goodbye and stops heartbeats', async () => {
    const t = setup();
    await t.agent.start();
    t.dialer.last.welcome(1000);
    const stream = t.dialer.last;
    const stopping = t.agent.stop();
    await flush();
    expect(stream.written.at(-1)).toEqual({ goodbye: { reason: 'shutdown' } });
    stream.close(undefined);
    await stopping;
    t.clock.advance(10_000);
    expect(t.heartbeats()).toHaveLength(1);
  });
});
