import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLivenessDatagram, type AgentMessageIn } from '@vigil/shared';
import { helloMessage, startStreamFixture, waitFor, type StreamFixture, type TestStream } from '../test-support/stream-fixture.js';

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-datagrams-'));
let fx: StreamFixture;
let udp: Socket;
/** What the coordinator logged at info and above, one parsed line each. */
const logged: { msg: string; host?: string; agentStallMs?: number }[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  fx = await startStreamFixture('datagrams', { dataDir }, logger);
  udp = createSocket('udp4');
});

afterAll(async () => {
  udp?.close();
  await fx?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const DATAGRAM_AGENT = ['resources', 'liveness_grant', 'liveness_datagram'];
const hello = (hostId: string, capabilities = DATAGRAM_AGENT): AgentMessageIn => helloMessage(hostId, { intervalMs: 2000, livenessIntervalMs: 300, capabilities });
const heartbeat = (seq: number): AgentMessageIn => ({ heartbeat: { seq, sentAtMs: Date.now(), collectors: [] } });

interface Offer {
  port: number;
  key: Buffer;
  slot: number;
}

async function welcomed(hostId: string, capabilities = DATAGRAM_AGENT): Promise<{ a: TestStream; welcome: any; offer: Offer }> {
  const a = fx.open();
  a.call.write(hello(hostId, capabilities));
  const { welcome } = await waitFor(() => a.got.find((m) => m.welcome));
  return { a, welcome, offer: { port: welcome.livenessDatagramPort, key: welcome.livenessDatagramKey, slot: welcome.livenessDatagramSlot } };
}

function send(offer: Offer, seq: number, key = offer.key, agentStallMs = 0): void {
  udp.send(encodeLivenessDatagram(key, { slot: offer.slot, seq, agentStallMs }), offer.port, '127.0.0.1');
}

const state = (hostId: string) => fx.coord.registry.get(hostId)?.state;

async function datagramCounts(): Promise<Record<string, number>> {
  const res = await fx.coord.app.inject({ url: '/metrics' });
  const out: Record<string, number> = {};
  for (const m of res.body.matchAll(/^vigil_liveness_datagrams_total\{outcome="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Keeps a host's datagrams coming every `everyMs` until stopped. */
function pump(offer: Offer, everyMs = 300): { stop: () => number } {
  let seq = 0;
  send(offer, ++seq);
  const t = setInterval(() => send(offer, ++seq), everyMs);
  return {
    stop: () => {
      clearInterval(t);
      return Date.now();
    },
  };
}

describe('agent stream - liveness datagrams', () => {
  it('Welcome offers a port, a 16-byte key and a slot to an agent that can send datagrams; none to one that cannot', async () => {
    const { a, welcome, offer } = await welcomed('dg-offer');
    expect(welcome.livenessIntervalMs).toBe(300);
    // The gRPC port's number, so one firewall rule names one port for both.
    expect(offer.port).toBe(fx.coord.grpcPort);
    expect(offer.key.length).toBe(16);
    const other = await welcomed('dg-offer-2');
    expect(other.offer.key.equals(offer.key)).toBe(false);
    expect(other.offer.slot).not.toBe(offer.slot);
    const old = await welcomed('dg-old', ['resources', 'liveness_grant']);
    expect(old.welcome.livenessDatagramPort).toBe(0);
    expect(old.welcome.livenessDatagramKey.length).toBe(0);
    for (const s of [a, other.a, old.a]) s.call.write({ goodbye: { reason: 'done' } });
  });

  it('the first datagram is answered "heard"; datagrams alone keep the host online, and it is silent within two periods of the last', async () => {
    const { a, offer } = await welcomed('dg-1');
    a.call.write(heartbeat(1));
    await waitFor(() => a.got.some((m) => m.ack?.seq === 1));
    const p = pump(offer);
    const grant = await waitFor(() => a.got.find((m) => m.livenessGrant));
    expect(grant.livenessGrant).toMatchObject({ livenessIntervalMs: 300, datagramsHeard: true });
    // 3 s of datagrams only, nothing on the stream: online at every look.
    const until = Date.now() + 3000;
    await waitFor(() => {
      if (state('dg-1') !== 'online') throw new Error(`dg-1 went ${state('dg-1')} while its datagrams kept coming`);
      return Date.now() >= until;
    }, 5000);
    const stoppedAt = p.stop();
    await waitFor(() => state('dg-1') === 'silent', 4000);
    // The floor of a 300 ms period is 1 s; two heartbeat intervals would be 4 s.
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    // Back with its stall named, by a datagram again.
    send(offer, 1000, offer.key, 2500);
    await waitFor(() => state('dg-1') === 'online', 2000);
    a.call.write({ goodbye: { reason: 'done' } });
  });

  it('a stall the agent reports both as a datagram and on the stream is logged once; the next stall again', async () => {
    const { a, offer } = await welcomed('dg-stall');
    a.call.write(heartbeat(1));
    await waitFor(() => a.got.some((m) => m.ack?.seq === 1));
    const stalls = () => logged.filter((l) => l.host === 'dg-stall' && l.msg === 'agent reports its own event loop stalled').map((l) => l.agentStallMs);
    // The stream's copy first, then the datagram's: a datagram is answered "heard" only
    // after its stall was noted, so both have been read once that answer is here.
    a.call.write({ liveness: { agentStallMs: 1500 } });
    await waitFor(() => stalls().length === 1);
    send(offer, 1, offer.key, 1500);
    await waitFor(() => a.got.some((m) => m.livenessGrant?.datagramsHeard));
    expect(stalls()).toEqual([1500]);
    send(offer, 2, offer.key, 2200);
    await waitFor(() => stalls().length === 2);
    expect(stalls()).toEqual([1500, 2200]);
    a.call.write({ goodbye: { reason: 'done' } });
  });

  it('forged, replayed and malformed datagrams are counted by what was wrong and keep no host online', async () => {
    const before = await datagramCounts();
    const { a, offer } = await welcomed('dg-bad');
    a.call.write(heartbeat(1));
    await waitFor(() => a.got.some((m) => m.ack?.seq === 1));
    send(offer, 5);
    await waitFor(() => a.got.find((m) => m.livenessGrant?.datagramsHeard));
    // From here only bad ones: another key, the same seq again, a wrong slot, garbage.
    const forged = Buffer.alloc(16, 7);
    const t = setInterval(() => {
      send(offer, 6, forged);
      send(offer, 5);
      send({ ...offer, slot: 65_000 }, 9);
      udp.send(Buffer.from('not a datagram'), offer.port, '127.0.0.1');
    }, 100);
    try {
      await waitFor(() => state('dg-bad') === 'silent', 4000);
    } finally {
      clearInterval(t);
    }
    const after = await datagramCounts();
    const grew = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    expect(grew('accepted')).toBeGreaterThanOrEqual(1);
    for (const k of ['mac', 'replay', 'slot', 'size']) expect(grew(k), k).toBeGreaterThan(0);
    a.call.write({ goodbye: { reason: 'done' } });
  });

  it('a closed stream slot takes no datagram of its old key, and is handed to a new stream that starts again at seq 1', async () => {
    const first = await welcomed('dg-reuse-1');
    first.a.call.write({ goodbye: { reason: 'done' } });
    await first.a.status;
    // Slots come back once the receiver has closed them; open until the old one is reused.
    const opened: TestStream[] = [];
    let reused: { a: TestStream; offer: Offer } | undefined;
    for (let i = 0; i < 50 && !reused; i++) {
      const w = await welcomed(`dg-reuse-${i + 2}`);
      opened.push(w.a);
      if (w.offer.slot === first.offer.slot) reused = w;
    }
    expect(reused, 'the slot was handed out again').toBeDefined();
    reused!.a.call.write(heartbeat(1));
    await waitFor(() => reused!.a.got.some((m) => m.ack?.seq === 1));
    // The old stream's key at a high seq: refused, so the new stream's seq 1 is still taken.
    send(first.offer, 500);
    send(reused!.offer, 1);
    const grant = await waitFor(() => reused!.a.got.find((m) => m.livenessGrant));
    expect(grant.livenessGrant.datagramsHeard).toBe(true);
    for (const s of opened) s.call.write({ goodbye: { reason: 'done' } });
  });

  it('datagrams heard and then no more while heartbeats still come: the agent is told to send liveness on its stream', async () => {
    const { a, offer } = await welcomed('dg-filtered');
    send(offer, 1);
    await waitFor(() => a.got.find((m) => m.livenessGrant?.datagramsHeard === true));
    // UDP stops getting through; the stream carries heartbeats (and stream liveness, as the
    // agent would once told).
    let seq = 0;
    const beats = setInterval(() => a.call.write(heartbeat(++seq)), 300);
    try {
      const back = await waitFor(() => a.got.find((m) => m.livenessGrant?.datagramsHeard === false), 5000);
      expect(back.livenessGrant.livenessIntervalMs).toBe(300);
    } finally {
      clearInterval(beats);
    }
    // And a datagram that gets through again makes it heard again.
    send(offer, 2);
    await waitFor(() => a.got.filter((m) => m.livenessGrant?.datagramsHeard === true).length === 2);
    a.call.write({ goodbye: { reason: 'done' } });
  });
});

describe('agent stream - liveness datagrams on another port', () => {
  it('the gRPC port number taken for UDP: another port is offered, and datagrams to it are heard', async () => {
    // A TCP port known free, then its number taken for UDP by someone else.
    const probe = createSocket('udp4');
    const tcp = createServer();
    const port = await new Promise<number>((resolve) => tcp.listen(0, '127.0.0.1', () => resolve((tcp.address() as { port: number }).port)));
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    await new Promise<void>((resolve) => probe.bind(port, '127.0.0.1', () => resolve()));
    const dir = mkdtempSync(join(tmpdir(), 'vigil-datagrams-port-'));
    const other = await startStreamFixture('datagrams-port', { dataDir: dir, grpc: `127.0.0.1:${port}` });
    try {
      const a = other.open();
      a.call.write(hello('dg-port'));
      const { welcome } = await waitFor(() => a.got.find((m) => m.welcome));
      expect(welcome.livenessDatagramPort).toBeGreaterThan(0);
      expect(welcome.livenessDatagramPort).not.toBe(port);
      udp.send(encodeLivenessDatagram(welcome.livenessDatagramKey, { slot: welcome.livenessDatagramSlot, seq: 1, agentStallMs: 0 }), welcome.livenessDatagramPort, '127.0.0.1');
      await waitFor(() => a.got.find((m) => m.livenessGrant?.datagramsHeard === true));
      a.call.write({ goodbye: { reason: 'done' } });
    } finally {
      probe.close();
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('agent stream - liveness datagrams off', () => {
  it('livenessDatagrams false: no port is offered, liveness stays on the stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-datagrams-off-'));
    const off = await startStreamFixture('datagrams-off', { dataDir: dir, livenessDatagrams: false });
    try {
      const a = off.open();
      a.call.write(hello('dg-off'));
      const { welcome } = await waitFor(() => a.got.find((m) => m.welcome));
      expect(welcome.livenessIntervalMs).toBe(300);
      expect(welcome.livenessDatagramPort).toBe(0);
      a.call.write({ goodbye: { reason: 'done' } });
    } finally {
      await off.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
