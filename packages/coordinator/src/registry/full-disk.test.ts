import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, type ValidAgentEvent } from '@vigil/shared';
import type { SilenceDetector } from '../detector/silence-detector.js';
import { Readiness } from '../readiness.js';
import type { AgentEventStore } from '../store/agent-event-store.js';
import { openDb, type Db } from '../store/db.js';
import type { HostStore } from '../store/host-store.js';
import { isStoreCondition, StoreWriteGuard } from '../store/write-guard.js';
import { guardedRegistry } from '../test-support/guarded-registry.js';
import { captureLog } from '../test-support/log-capture.js';
import { fillStore, freeStore } from '../test-support/full-store.js';
import type { HeartbeatWriter } from './heartbeat-writer.js';
import { HostRegistry } from './host-registry.js';

let dir: string;
let db: Db;
let clock: FakeClock;
let hostStore: HostStore;
let events: AgentEventStore;
let readiness: Readiness;
let guard: StoreWriteGuard;
let writer: HeartbeatWriter;
let detector: SilenceDetector;
let registry: HostRegistry;
let close: () => void;
let cap: ReturnType<typeof captureLog>;
let counts: { failed: number; degraded: boolean[]; caughtUp: number };

const BIG = 'x'.repeat(6000);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-full-disk-'));
  db = openDb(dir);
  clock = new FakeClock(Date.parse('2026-12-03T08:00:00Z'));
  cap = captureLog('debug');
  readiness = new Readiness(clock, 60_000);
  counts = { failed: 0, degraded: [], caughtUp: 0 };
  guard = new StoreWriteGuard(clock, cap.log, readiness, {
    failed: () => void counts.failed++,
    degraded: (on) => void counts.degraded.push(on),
    caughtUp: (n) => void (counts.caughtUp += n),
  });
  ({ registry, hostStore, events, writer, detector, close } = guardedRegistry(db, clock, guard, cap.log));
});

afterEach(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

function hello(hostId: string, session: number, labels: Record<string, string> = {}) {
  return registry.hello({ hostId, agentVersion: '1', hostname: hostId, os: null, services: [], capabilities: [], intervalMs: 1000, labels, startedAtMs: 1 }, 1000, session);
}

/**
 * One heartbeat, committed at once; what its `done` got (null: stored, so acked). `extra`
 * fields ride on a sample with no filesystems or interfaces, to make its row large.
 */
function beat(hostId: string, session: number, seq: number, extra?: Record<string, unknown>): Error | null | undefined {
  let result: Error | null | undefined;
  const resources = extra === undefined ? null : { takenAtMs: 1, cpu: null, memory: null, filesystems: [], network: [], ...extra };
  registry.heartbeat(hostId, session, { seq, sentAtMs: 1, resources: resources as never, collectors: [], services: [], findings: [] }, (err) => (result = err ?? null));
  writer.flush();
  return result;
}

function event(eventSeq: number, detail: string): ValidAgentEvent {
  return { eventSeq, atMs: 1, service: 'api', type: 'status_changed', step: '', detail, cause: '', requestId: '' };
}

const linesMatching = (re: RegExp) => cap.lines.filter((l) => re.test(String(l.msg)));

describe('registry - a full store (SQLITE_FULL)', () => {
  it('keeps Hello, heartbeats, events, Goodbye and a stream end moving in memory, acks nothing unstored, and catches up in order when space returns', () => {
    expect(hello('web-1', 1)).toMatchObject({ type: 'accepted' });
    fillStore(db);

    // Hello: accepted from memory although its row cannot be written.
    expect(hello('web-2', 2, { note: BIG })).toMatchObject({ type: 'accepted', lastEventSeq: 0 });
    expect(registry.get('web-2')!.state).toBe('online');
    expect(hostStore.get('web-2')).toBeUndefined();
    expect(readiness.check()).toEqual({ ready: false, reasons: [expect.stringMatching(/^store cannot write since 2026-12-03T08:00:00.000Z: database or disk is full$/)] });
    expect(guard.reason()).toMatch(/database or disk is full; \d+ writes kept for catch-up/);

    // A heartbeat whose commit the store refuses is not acked.
    expect(beat('web-1', 1, 5, { pad: BIG })).toMatchObject({ code: 'SQLITE_FULL' });

    // Events are acked only once stored: the small one would fit, but it waits behind the
    // big one, as an ack of 2 would have the agent drop 1 from its journal.
    const acks: number[] = [];
    registry.agentEvent('web-1', 1, event(1, BIG), (s) => acks.push(s));
    registry.agentEvent('web-1', 1, event(2, 'small'), (s) => acks.push(s));
    expect(acks).toEqual([]);
    expect(events.recent('web-1')).toEqual([]);

    // Goodbye and a stream end: memory moves on, the grace runs out, the store stays behind.
    registry.goodbye('web-1', 1, 'shutdown');
    registry.streamClosed('web-2', 2, 'connection lost');
    expect(registry.get('web-1')!.state).toBe('left');
    expect(registry.get('web-2')!.state).toBe('suspect');
    clock.advance(1000);
    expect(registry.get('web-2')!.state).toBe('silent');
    expect(hostStore.get('web-1')!.state).toBe('online');
    expect(guard.degraded).toBe(true);
    expect(counts.failed).toBeGreaterThan(3);
    // One line for the whole episode, however many writes failed.
    expect(linesMatching(/^the store cannot write/)).toHaveLength(1);
    expect(linesMatching(/^the store cannot write/)[0]).toMatchObject({ level: 50, err: 'database or disk is full', code: 'SQLITE_FULL' });

    freeStore(db);
    clock.advance(5000);

    expect(readiness.check()).toEqual({ ready: true });
    expect(guard.degraded).toBe(false);
    expect(acks).toEqual([1, 2]);
    expect(events.recent('web-1').map((e) => e.eventSeq)).toEqual([2, 1]);
    expect(hostStore.get('web-1')).toMatchObject({ state: 'left', lastSeq: 5, latestSample: { pad: BIG } });
    expect(hostStore.get('web-2')).toMatchObject({ state: 'silent', labels: { note: BIG } });
    expect(hostStore.history('web-1').map((t) => t.to).reverse()).toEqual(['online', 'left']);
    expect(hostStore.history('web-2').map((t) => [t.from, t.to]).reverse()).toEqual([
      [null, 'online'],
      ['online', 'suspect'],
      ['suspect', 'silent'],
    ]);
    const recovered = linesMatching(/^the store takes writes again/);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ level: 30, degradedMs: 3000, caughtUp: 8, failedWrites: counts.failed, dropped: 0 });
    expect(counts).toMatchObject({ degraded: [true, false], caughtUp: 8 });
  });

  it('declares a host silent from memory while the store is full, and stores the verdict after', () => {
    detector.start();
    hello('db-1', 1);
    expect(beat('db-1', 1, 1)).toBeNull();
    fillStore(db);
    // Heartbeats keep the host online in memory, each one refused by the store and not acked.
    for (let seq = 2; seq <= 4; seq++) {
      clock.advance(1000);
      expect(beat('db-1', 1, seq, { pad: BIG })).toMatchObject({ code: 'SQLITE_FULL' });
      expect(registry.get('db-1')!.state).toBe('online');
    }
    // Then they stop: the detector's bound passes.
    clock.advance(10_000);
    expect(registry.get('db-1')!.state).toBe('silent');
    expect(hostStore.get('db-1')!.state).toBe('online');

    freeStore(db);
    clock.advance(30_000);
    expect(hostStore.get('db-1')).toMatchObject({ state: 'silent', lastSeq: 4 });
    expect(hostStore.history('db-1')[0]).toMatchObject({ from: 'online', to: 'silent', reason: expect.stringMatching(/^no heartbeat for/) });
    expect(readiness.check()).toEqual({ ready: true });
  });

  it('catches up at once on the next write that goes through, without waiting for the retry timer', () => {
    hello('app-1', 1);
    fillStore(db);
    registry.streamClosed('app-1', 1, 'connection lost');
    registry.streamClosed('app-1', 1, 'again');
    hello('app-2', 2, { note: BIG });
    expect(guard.pendingCount()).toBe(3);
    freeStore(db);
    // A heartbeat commit is a write that succeeds: the kept ones follow it at once.
    expect(beat('app-2', 2, 1)).toBeNull();
    expect(guard.pendingCount()).toBe(0);
    expect(hostStore.get('app-1')!.state).toBe('suspect');
    expect(hostStore.get('app-2')).toMatchObject({ state: 'online', lastSeq: 1 });
    expect(readiness.check()).toEqual({ ready: true });
  });

  it('removing a host answers StoreUnavailableError (503) while the store is full, and the host stays', () => {
    hello('old-1', 1);
    registry.goodbye('old-1', 1, 'decommissioned');
    fillStore(db);
    // Something kept first, so the removal would have to overtake it.
    hello('new-1', 2, { note: BIG });
    expect(() => registry.remove('old-1', 'alice')).toThrow(expect.objectContaining({ code: 'UNAVAILABLE', message: expect.stringMatching(/database or disk is full; 2 earlier writes wait.*the host's removal was not saved/) }));
    expect(registry.get('old-1')).toBeDefined();
    freeStore(db);
    expect(registry.remove('old-1', 'alice').id).toBe('old-1');
    expect(hostStore.get('old-1')).toBeUndefined();
    expect(hostStore.get('new-1')).toBeDefined();
  });
});

describe('store write guard', () => {
  it('retries kept writes on a backoff of 1 s doubling to 30 s, and starts again at 1 s after a recovery', () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const t0 = clock.now();
    const tries: number[] = [];
    let refuse = true;
    const write = () => {
      tries.push(clock.now() - t0);
      if (refuse) throw full;
    };
    expect(guard.persist('k', 'test', write)).toBe('kept');
    clock.advance(120_000);
    // The attempt itself, the catch-up right after keeping it, then the timer.
    expect(tries).toEqual([0, 0, 1000, 3000, 7000, 15_000, 31_000, 61_000, 91_000]);
    refuse = false;
    clock.advance(30_000);
    expect(guard.degraded).toBe(false);
    tries.length = 0;
    refuse = true;
    const t1 = clock.now() - t0;
    guard.persist('k', 'test', write);
    clock.advance(3000);
    expect(tries.map((t) => t - t1)).toEqual([0, 0, 1000, 3000]);
  });

  it('tells a store condition (full, I/O, read-only, busy) from a write that is wrong in itself', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_BUSY', 'SQLITE_CANTOPEN']) expect(isStoreCondition(err(code)), code).toBe(true);
    for (const code of ['SQLITE_CONSTRAINT_FOREIGNKEY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', 'SQLITE_MISMATCH', 'ERR_SOMETHING']) expect(isStoreCondition(err(code)), code).toBe(false);
    expect(isStoreCondition(new TypeError('x'))).toBe(false);
    expect(isStoreCondition(null)).toBe(false);
  });

  it('throws on what is not a store condition (a bug), and drops a kept write that fails so instead of holding the queue', () => {
    expect(() => guard.attempt('bad', () => db.prepare('INSERT INTO transitions (host_id, to_state, reason, at) VALUES (?, ?, ?, ?)').run('nobody', 'left', 'x', 0))).toThrow(/FOREIGN KEY/);
    expect(guard.degraded).toBe(false);

    fillStore(db);
    expect(guard.persist('k1', 'big', () => hostStore.saveSnapshot({ ...registryRecord('k-1'), labels: { note: BIG } }))).toBe('kept');
    expect(guard.persist(undefined, 'orphan', () => void db.prepare('INSERT INTO transitions (host_id, to_state, reason, at) VALUES (?, ?, ?, ?)').run('nobody', 'left', 'x', 0))).toBe('kept');
    freeStore(db);
    guard.catchUp();
    expect(guard.pendingCount()).toBe(0);
    expect(guard.degraded).toBe(false);
    expect(hostStore.get('k-1')).toBeDefined();
    expect(linesMatching(/^a kept write failed for a reason other than the store/)).toHaveLength(1);
  });

  it('keeps memory bounded: beyond maxPending writes are dropped, logged once, and events of that stream are no longer taken', () => {
    const small = new StoreWriteGuard(clock, cap.log, readiness, undefined, { maxPending: 2 });
    const reg = new HostRegistry(clock, hostStore, writer, detector, (t) => hostStore.recordTransition(t), { disconnectGraceMs: 1000, restartGraceMs: 15_000, detectionWindowMs: (i) => 3 * i, storeGuard: small }, cap.log, events);
    reg.hello({ hostId: 'e-1', agentVersion: '1', hostname: 'e-1', os: null, services: [], capabilities: [], intervalMs: 1000, labels: {}, startedAtMs: 1 }, 1000, 7);
    fillStore(db);
    const acks: number[] = [];
    for (let seq = 1; seq <= 4; seq++) reg.agentEvent('e-1', 7, event(seq, BIG), (s) => acks.push(s));
    expect(small.pendingCount()).toBe(2);
    expect(linesMatching(/^too many writes kept/)).toHaveLength(1);
    freeStore(db);
    reg.agentEvent('e-1', 7, event(5, 'small'), (s) => acks.push(s));
    small.catchUp();
    // 1 and 2 were kept and are acked; 3 was dropped, so nothing after it is taken on this stream.
    expect(acks).toEqual([1, 2]);
    expect(events.recent('e-1').map((e) => e.eventSeq)).toEqual([2, 1]);
    small.stop();
    reg.stop();
  });
});

function registryRecord(id: string) {
  return {
    id,
    state: 'online' as const,
    stateSince: 0,
    hostname: id,
    agentVersion: '1',
    os: null,
    labels: {},
    services: [],
    capabilities: [],
    intervalMs: 1000,
    address: null,
    firstSeen: 0,
    lastSeen: 0,
    lastSeq: 0,
    agentStartedAt: null,
    latestSample: null,
    sampleAt: null,
    serviceStatus: [],
  };
}
