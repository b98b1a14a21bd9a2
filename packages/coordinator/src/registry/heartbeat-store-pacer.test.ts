import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, type Logger, type ValidHeartbeat, type ValidHello, type ValidServiceStatus } from '@vigil/shared';
import { SilenceDetector } from '../detector/silence-detector.js';
import { AgentEventStore } from '../store/agent-event-store.js';
import { openDb, type Db } from '../store/db.js';
import { HostStore } from '../store/host-store.js';
import { HeartbeatStorePacer } from './heartbeat-store-pacer.js';
import { HeartbeatWriter } from './heartbeat-writer.js';
import { HostRegistry } from './host-registry.js';

const svc = (over: Partial<ValidServiceStatus> = {}): ValidServiceStatus => ({
  name: 'api', state: 'running', pids: [1], checks: [], errorRate: null, recovering: false, budgetUsed: 0, budgetMax: 3, exhausted: false,
  manager: 'process', sinceMs: 0, logLinesScanned: 0, logLinesSkipped: 0, memoryBytes: 0, memoryPercent: 0, ...over,
});

describe('heartbeat store pacer', () => {
  it('stores the first heartbeat, then one per interval; the ones between are held', () => {
    const p = new HeartbeatStorePacer(30_000);
    expect(p.due('h', 0, [])).toBe(true);
    expect(p.isBehind('h')).toBe(false);
    expect([5_000, 10_000, 29_999].map((t) => p.due('h', t, []))).toEqual([false, false, false]);
    expect(p.isBehind('h')).toBe(true);
    expect([...p.hostsBehind()]).toEqual(['h']);
    expect(p.due('h', 30_000, [])).toBe(true);
    expect(p.isBehind('h')).toBe(false);
    // Counted from the last stored one, not from the first.
    expect(p.due('h', 59_999, [])).toBe(false);
    expect(p.due('h', 60_000, [])).toBe(true);
  });

  it('stores at once what a restart must not forget: a service state, recovery, an exhausted budget or a check status that changed', () => {
    const p = new HeartbeatStorePacer(30_000);
    let t = 0;
    const beat = (s: ValidServiceStatus[]) => p.due('h', (t += 1000), s);
    expect(beat([svc()])).toBe(true);
    // Counters and timings move on every heartbeat: held.
    expect(beat([svc({ budgetUsed: 0, logLinesScanned: 10, memoryBytes: 5, pids: [2] })])).toBe(false);
    expect(beat([svc({ state: 'failed' })])).toBe(true);
    expect(beat([svc({ state: 'failed' })])).toBe(false);
    expect(beat([svc({ state: 'failed', recovering: true })])).toBe(true);
    expect(beat([svc({ state: 'failed', exhausted: true })])).toBe(true);
    type Check = ValidServiceStatus['checks'][number];
    const check: Check = { name: 'http', type: 'http', status: 'passing', consecutiveFailures: 0, consecutiveSuccesses: 4, responseMs: 3, detail: '' };
    expect(beat([svc({ checks: [check] })])).toBe(true);
    expect(beat([svc({ checks: [{ ...check, responseMs: 9, consecutiveSuccesses: 5 }] })])).toBe(false);
    expect(beat([svc({ checks: [{ ...check, status: 'failing' }] })])).toBe(true);
    expect(beat([svc({ checks: [{ ...check, status: 'failing' }] }), svc({ name: 'db' })])).toBe(true);
    expect(beat([])).toBe(true);
  });

  it('a failed write or a reset: the next heartbeat is stored; a failed write leaves the host behind, a reset does not; 0 stores every one; a bad interval is refused', () => {
    const p = new HeartbeatStorePacer(30_000);
    p.due('h', 0, []);
    expect(p.due('h', 1, [])).toBe(false);
    p.reset('h');
    expect(p.isBehind('h')).toBe(false);
    expect(p.due('h', 2, [])).toBe(true);
    p.failed('h');
    expect(p.isBehind('h')).toBe(true);
    expect(p.due('h', 3, [])).toBe(true);
    expect(p.isBehind('h')).toBe(false);
    const every = new HeartbeatStorePacer(0);
    expect([0, 0, 1].map((t) => every.due('h', t, []))).toEqual([true, true, true]);
    expect(() => new HeartbeatStorePacer(-1)).toThrow(/heartbeat store interval must be a finite number of ms >= 0, got -1/);
    expect(() => new HeartbeatStorePacer(Number.NaN)).toThrow(/got NaN/);
  });
});

describe('host registry - heartbeats held in memory by the pacer', () => {
  let dir: string;
  let db: Db;
  let clock: FakeClock;
  let hostStore: HostStore;
  let registry: HostRegistry;
  let detector: SilenceDetector;

  const hello: ValidHello = { hostId: 'web-1', agentVersion: '1', hostname: 'web-1', os: null, services: [], capabilities: [], intervalMs: 1000, labels: {}, startedAtMs: 1 };
  const hb = (seq: number, services: ValidServiceStatus[] = []): ValidHeartbeat => ({ seq, sentAtMs: seq, resources: null, collectors: [], services, findings: [] });
  /** Feeds one heartbeat; answers whether it was stored (and so acked), once the commit ran. */
  function beat(seq: number, services: ValidServiceStatus[] = []): boolean | undefined {
    let stored: boolean | undefined;
    registry.heartbeat('web-1', 1, hb(seq, services), (err, s) => {
      expect(err).toBeUndefined();
      stored = s;
    });
    writer.flush();
    return stored;
  }
  let writer: HeartbeatWriter;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-pacer-'));
    db = openDb(dir);
    clock = new FakeClock();
    hostStore = new HostStore(db);
    const log = { info: () => {}, debug: () => {}, error: () => {}, warn: () => {} } as unknown as Logger;
    detector = new SilenceDetector(clock, () => {});
    writer = new HeartbeatWriter(db, hostStore);
    registry = new HostRegistry(clock, hostStore, writer, detector, (t) => hostStore.recordTransition(t),
      { disconnectGraceMs: 1000, restartGraceMs: 15_000, detectionWindowMs: (i) => 2 * i, heartbeatStoreIntervalMs: 30_000 }, log, new AgentEventStore(db));
    registry.hello(hello, 1000, 1);
  });
  afterEach(() => {
    registry.stop();
    detector.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('memory has every heartbeat, the store one per interval; the stored one is acked for all before it', () => {
    const stored: (boolean | undefined)[] = [];
    for (let seq = 1; seq <= 7; seq++) {
      stored.push(beat(seq));
      clock.advance(5_000);
    }
    // seq 1 at t=0 (the stream's first), seq 7 at t=30 s.
    expect(stored).toEqual([true, false, false, false, false, false, true]);
    expect(registry.get('web-1')!.lastSeq).toBe(7);
    expect(hostStore.get('web-1')!.lastSeq).toBe(7);
    beat(8);
    expect([registry.get('web-1')!.lastSeq, hostStore.get('web-1')!.lastSeq]).toEqual([8, 7]);
  });

  it('the held heartbeats are written when the host goes silent or leaves, and by storeHeldHeartbeats (a planned stop)', () => {
    beat(1);
    clock.advance(1000);
    beat(2, [svc()]);
    clock.advance(1000);
    beat(3, [svc({ memoryBytes: 7 })]);
    expect(hostStore.get('web-1')!.lastSeq).toBe(2);
    expect(registry.storeHeldHeartbeats()).toBe(1);
    expect(hostStore.get('web-1')).toMatchObject({ lastSeq: 3, serviceStatus: [{ name: 'api', memoryBytes: 7 }] });
    // Every heartbeat column as memory holds it, and the rest of the row untouched.
    const mem = registry.get('web-1')!;
    expect(hostStore.get('web-1')).toMatchObject({ lastSeen: mem.lastSeen, sampleAt: mem.sampleAt, latestSample: mem.latestSample, state: mem.state, hostname: mem.hostname });
    expect(registry.storeHeldHeartbeats()).toBe(0);

    clock.advance(1000);
    beat(4);
    expect(hostStore.get('web-1')!.lastSeq).toBe(4); // services changed: none now
    clock.advance(1000);
    beat(5);
    expect(hostStore.get('web-1')!.lastSeq).toBe(4);
    registry.goodbye('web-1', 1, 'planned');
    expect(hostStore.get('web-1')).toMatchObject({ state: 'left', lastSeq: 5 });
  });
});
