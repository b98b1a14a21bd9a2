import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentMessageIn } from '@vigil/shared';
import { grantLiveness } from './server.js';
import { helloMessage, startStreamFixture, waitFor, type StreamFixture, type TestStream } from '../test-support/stream-fixture.js';

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-liveness-'));
let fx: StreamFixture;

beforeAll(async () => {
  // Samples every 2 s, liveness asked at 300 ms: the floor (1 s at the least) comes from
  // the liveness period, so a quiet host is silent long before two heartbeat intervals.
  fx = await startStreamFixture('liveness', { dataDir });
});

afterAll(async () => {
  await fx?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const hello = (hostId: string, livenessIntervalMs: number): AgentMessageIn => helloMessage(hostId, { intervalMs: 2000, livenessIntervalMs });
const heartbeat = (seq: number): AgentMessageIn => ({ heartbeat: { seq, sentAtMs: Date.now(), collectors: [] } });

function storedLastSeen(hostId: string): number | null {
  const db = new Database(join(dataDir, 'vigil.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT last_seen FROM hosts WHERE id = ?').get(hostId) as { last_seen: number | null } | undefined)?.last_seen ?? null;
  } finally {
    db.close();
  }
}

async function welcomed(hostId: string, ask: number): Promise<{ a: TestStream; granted: number }> {
  const a = fx.open();
  a.call.write(hello(hostId, ask));
  const w = await waitFor(() => a.got.find((m) => m.welcome));
  return { a, granted: w.welcome.livenessIntervalMs };
}

describe('grantLiveness', () => {
  it('grants the ask, raised to the shortest period; none for no ask, no grant or an ask not under the interval', () => {
    expect(grantLiveness(1000, 5000, 250)).toBe(1000);
    expect(grantLiveness(100, 5000, 250)).toBe(250);
    expect(grantLiveness(0, 5000, 250)).toBe(0);
    expect(grantLiveness(1000, 5000, 0)).toBe(0);
    expect(grantLiveness(5000, 5000, 250)).toBe(0);
    expect(grantLiveness(200, 200, 250)).toBe(0);
  });

  it('a fleet beyond the budget gets a longer period, in 250 ms steps, and none once it reaches the interval', () => {
    expect(grantLiveness(1000, 5000, 250, 5000, 5000)).toBe(1000);
    expect(grantLiveness(1000, 5000, 250, 5001, 5000)).toBe(1250);
    expect(grantLiveness(1000, 5000, 250, 10_000, 5000)).toBe(2000);
    expect(grantLiveness(1000, 5000, 250, 15_000, 5000)).toBe(3000);
    expect(grantLiveness(1000, 5000, 250, 25_000, 5000)).toBe(0);
    expect(grantLiveness(1000, 5000, 250, 1_000_000, 0)).toBe(1000);
  });
});

describe('agent stream - liveness', () => {
  it('Welcome grants the period asked for and announces the capability; an agent asking none gets none', async () => {
    const { a, granted } = await welcomed('live-grant', 300);
    expect(granted).toBe(300);
    expect(a.got.find((m) => m.welcome).welcome.capabilities).toContain('liveness.v1');
    a.call.write({ goodbye: { reason: 'done' } });
    await a.status;
    const old = await welcomed('live-none', 0);
    expect(old.granted).toBe(0);
    old.a.call.write({ goodbye: { reason: 'done' } });
    await old.a.status;
  });

  it('keeps a host online between heartbeats, writes nothing per liveness, and judges silence by its period', async () => {
    const { a } = await welcomed('live-1', 300);
    a.call.write(heartbeat(1));
    await waitFor(() => a.got.some((m) => m.ack?.seq === 1));
    const stored = storedLastSeen('live-1');
    expect(stored).not.toBeNull();
    // 3 s of liveness only: beyond the 2-interval ceiling of the heartbeats (4 s) it would
    // not matter, but it is beyond the liveness ceiling many times over.
    const pump = setInterval(() => a.call.write({ liveness: { agentStallMs: 0 } }), 300);
    // Online at every look for the whole 3 s, not only at its end.
    const until = Date.now() + 3000;
    await waitFor(() => {
      const state = fx.coord.registry.get('live-1')!.state;
      if (state !== 'online') throw new Error(`live-1 went ${state} while its liveness kept coming`);
      return Date.now() >= until;
    }, 5000);
    expect(fx.coord.registry.get('live-1')!.lastSeen!).toBeGreaterThan(stored!);
    expect(storedLastSeen('live-1')).toBe(stored);
    // Liveness stops (a frozen host: the stream stays open): silent within about two
    // periods (the 1 s floor here), well before two heartbeat intervals (4 s).
    clearInterval(pump);
    const stoppedAt = Date.now();
    await waitFor(() => fx.coord.registry.get('live-1')!.state === 'silent', 4000);
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    // It comes back with its own stall named: memory moves to online at once.
    a.call.write({ liveness: { agentStallMs: 2500 } });
    await waitFor(() => fx.coord.registry.get('live-1')!.state === 'online', 2000);
    a.call.write({ goodbye: { reason: 'done' } });
    await a.status;
  });

  it('liveness before Hello ends the stream, naming why', async () => {
    const bad = fx.open();
    bad.call.write({ liveness: { agentStallMs: 0 } });
    const st = await bad.status;
    expect(st.details).toMatch(/liveness before hello/);
  });
});
