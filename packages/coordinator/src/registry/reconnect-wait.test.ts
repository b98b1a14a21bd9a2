import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, type Logger, type ValidHello } from '@vigil/shared';
import { SilenceDetector } from '../detector/silence-detector.js';
import { AgentEventStore } from '../store/agent-event-store.js';
import { openDb, type Db } from '../store/db.js';
import { HostStore } from '../store/host-store.js';
import { HeartbeatWriter } from './heartbeat-writer.js';
import { HostRegistry } from './host-registry.js';

const log = { info: () => {}, debug: () => {}, error: () => {}, warn: () => {} } as unknown as Logger;
const hello = (hostId: string): ValidHello => ({ hostId, agentVersion: '1', hostname: hostId, os: null, services: [], capabilities: [], intervalMs: 1000, labels: {}, startedAtMs: 1 });

/**
 * After a restart, Hello admission turns part of a reconnecting fleet away with a time to
 * come back. A host stored live whose agent has not come back yet is not judged silent
 * before the last agent turned away is due, plus a detection window; hosts that did
 * reconnect are judged as always; and the wait has a limit.
 */
describe('host registry - hosts waiting to reconnect after a restart', () => {
  let dir: string;
  let db: Db;
  let clock: FakeClock;
  let due: number;
  let registry: HostRegistry;
  let detector: SilenceDetector;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-reconnect-wait-'));
    db = openDb(dir);
    clock = new FakeClock();
    // The coordinator before the restart knew both hosts online.
    const before = new HostRegistry(clock, new HostStore(db), new HeartbeatWriter(db, new HostStore(db)), new SilenceDetector(clock, () => {}), () => {},
      { disconnectGraceMs: 1000, restartGraceMs: 15_000, detectionWindowMs: (i) => 2 * i }, log, new AgentEventStore(db));
    before.hello(hello('web-1'), 1000, 1);
    before.hello(hello('web-2'), 1000, 2);
    clock.advance(60_000);
    due = -Infinity;
  });

  function restart(returnsDueBy?: () => number): void {
    const store = new HostStore(db);
    detector = new SilenceDetector(clock, (v) => registry.onSilent(v), { sweepMs: 100, deferSweep: false });
    registry = new HostRegistry(clock, store, new HeartbeatWriter(db, store), detector, (t) => store.recordTransition(t),
      { disconnectGraceMs: 1000, restartGraceMs: 15_000, detectionWindowMs: (i) => 2 * i, ...(returnsDueBy ? { returnsDueBy } : {}) }, log, new AgentEventStore(db));
    registry.load();
    detector.start();
  }
  const state = (id: string) => registry.get(id)?.state;

  afterEach(() => {
    registry?.stop();
    detector?.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without agents turned away, an absent host is judged when the restart grace ends', () => {
    restart(() => due);
    clock.advance(14_000);
    expect(state('web-2')).toBe('online');
    clock.advance(1_500);
    expect(state('web-2')).toBe('silent');
  });

  it('while agents turned away are due back, an absent host waits; it is judged a detection window after the last is due', () => {
    const t0 = clock.now();
    restart(() => due);
    // web-1 comes back and then falls silent: judged as any connected host.
    registry.hello(hello('web-1'), 1000, 3);
    due = t0 + 40_000;
    clock.advance(16_000);
    expect(state('web-1')).toBe('silent');
    expect(state('web-2')).toBe('online');
    clock.advance(25_000); // t0 + 41 s: the last agent told to come back is due, the window runs
    expect(state('web-2')).toBe('online');
    clock.advance(2_500); // t0 + 43.5 s
    expect(state('web-2')).toBe('silent');
  });

  it('while stored hosts keep coming back, an absent host waits: it is judged 10 s (agents\' longest backoff) after the last one, plus a window', () => {
    restart(() => due);
    clock.advance(14_000);
    registry.hello(hello('web-1'), 1000, 10);
    clock.advance(11_000); // t0 + 25 s: the grace ended at 15 s, but web-1 came back at 14 s
    expect(state('web-2')).toBe('online');
    clock.advance(1_500); // t0 + 26.5 s: 10 s after it, plus the 2 s window
    expect(state('web-2')).toBe('silent');
  });

  it('an absent host that reconnects late, within the wait, is online and judged by its own heartbeats from then on', () => {
    const t0 = clock.now();
    restart(() => due);
    due = t0 + 40_000;
    clock.advance(30_000);
    expect(state('web-2')).toBe('online');
    registry.hello(hello('web-2'), 1000, 4);
    for (let seq = 1; seq <= 20; seq++) {
      registry.heartbeat('web-2', 4, { seq, sentAtMs: seq, resources: null, collectors: [], services: [], findings: [] }, () => undefined);
      clock.advance(1000);
      expect(state('web-2'), `t0 + ${30 + seq} s`).toBe('online');
    }
    // It reconnected: its silence now is an outage, judged at once, whatever is still due.
    due = clock.now() + 60_000;
    clock.advance(3_000);
    expect(state('web-2')).toBe('silent');
  });

  it('a reconnect that ends before its first heartbeat is an attempt that failed: no suspect, the host waits again; after a heartbeat a closed stream is an outage', () => {
    restart(() => due);
    clock.advance(5_000);
    registry.hello(hello('web-2'), 1000, 5);
    registry.streamClosed('web-2', 5, 'agent closed the stream');
    expect(state('web-2')).toBe('online');
    // It still has what is left of the restart grace (15 s from the restart).
    clock.advance(9_000);
    expect(state('web-2')).toBe('online');
    registry.hello(hello('web-2'), 1000, 6);
    registry.heartbeat('web-2', 6, { seq: 1, sentAtMs: 1, resources: null, collectors: [], services: [], findings: [] }, () => undefined);
    registry.streamClosed('web-2', 6, 'connection lost');
    expect(state('web-2')).toBe('suspect');
    clock.advance(1_100);
    expect(state('web-2')).toBe('silent');
  });

  it('a retry that arrives before the stream of the failed attempt it replaces is seen to end still counts as waiting', () => {
    restart(() => due);
    registry.hello(hello('web-2'), 1000, 8);
    registry.hello(hello('web-2'), 1000, 9);
    registry.streamClosed('web-2', 8, 'agent closed the stream');
    registry.streamClosed('web-2', 9, 'agent closed the stream');
    expect(state('web-2')).toBe('online');
  });

  it('an attempt that failed, by a host that was not waiting for its reconnect, is an outage as before', () => {
    restart(() => due);
    registry.hello(hello('web-3'), 1000, 7);
    registry.streamClosed('web-3', 7, 'agent closed the stream');
    expect(state('web-3')).toBe('suspect');
  });

  it('a host adopted from a coordinator that left waits the same way, from its adoption', () => {
    restart(() => due);
    clock.advance(30_000); // long after the restart: web-1 and web-2 are judged by now
    registry.adopt('web-9', { intervalMs: 1000, hostname: 'web-9', labels: {} });
    due = clock.now() + 40_000;
    clock.advance(20_000);
    expect(state('web-9')).toBe('online');
    registry.hello(hello('web-9'), 1000, 11);
    registry.streamClosed('web-9', 11, 'agent closed the stream');
    expect(state('web-9')).toBe('online');
    clock.advance(23_000); // due + the 2 s window
    expect(state('web-9')).toBe('silent');
  });

  it('the wait ends at four restart graces however long agents keep being turned away', () => {
    restart(() => clock.now() + 30_000);
    clock.advance(59_000);
    expect(state('web-2')).toBe('online');
    // Past 60 s it is judged at its next verdict, at most one wait (30 s + the window) later.
    clock.advance(35_000);
    expect(state('web-2')).toBe('silent');
  });

  it('without the admission hook (older callers) the restart grace alone applies', () => {
    restart();
    clock.advance(15_500);
    expect(state('web-2')).toBe('silent');
  });
});
