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

let dir: string;
let db: Db;
let registry: HostRegistry;
let warns: { obj: Record<string, unknown>; msg: string }[];
let lost: string[];

const hello = (eventEpoch: string, startedAtMs = 1): ValidHello => ({
  hostId: 'web-1', agentVersion: '1', hostname: 'web-1', os: null, services: [], capabilities: [], intervalMs: 1000, labels: {}, startedAtMs, eventEpoch,
});
const ev = (eventSeq: number, type = 'status_changed') => ({ eventSeq, atMs: eventSeq, service: 'web', type, step: '', detail: '', cause: '', requestId: '' });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-gaps-'));
  db = openDb(dir);
  const clock = new FakeClock();
  const hostStore = new HostStore(db);
  warns = [];
  lost = [];
  const log = { info: () => {}, debug: () => {}, error: () => {}, warn: (obj: Record<string, unknown>, msg: string) => warns.push({ obj, msg }) } as unknown as Logger;
  const detector: SilenceDetector = new SilenceDetector(clock, () => {});
  registry = new HostRegistry(clock, hostStore, new HeartbeatWriter(db, hostStore), detector, (t) => hostStore.recordTransition(t),
    { disconnectGraceMs: 1000, restartGraceMs: 15_000, detectionWindowMs: (i) => 2 * i }, log, new AgentEventStore(db),
    { transition: () => {}, eventsLost: (source) => lost.push(source) });
});
afterEach(() => {
  registry.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The ack an event gets (the store takes writes here, so at once). */
function ack(session: number, e: Parameters<HostRegistry['agentEvent']>[2]): number | undefined {
  let acked: number | undefined;
  registry.agentEvent('web-1', session, e, (n) => {
    acked = n;
  });
  return acked;
}

describe('host registry - event epochs and gaps', () => {
  it('acks within the session epoch, logs one warn per gap and counts it; replays and duplicates are silent', () => {
    const out = registry.hello(hello('A'), 1000, 1);
    expect(out).toMatchObject({ type: 'accepted', lastEventSeq: 0 });
    expect([1, 2, 2, 6, 7, 5, 7].map((s) => ack(1, ev(s)))).toEqual([1, 2, 2, 6, 7, 7, 7]);
    expect(lost).toEqual(['sequence']);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ obj: { host: 'web-1', epoch: 'A', from: 3, to: 5, arrived: 6 }, msg: 'agent event sequence has a gap: events 3-5 never arrived' });

    registry.streamClosed('web-1', 1, 'test');
    // A new journal: Welcome says 0, its 1.. are stored and acked in its own epoch.
    expect(registry.hello(hello('B', 2), 1000, 2)).toMatchObject({ lastEventSeq: 0 });
    expect([1, 2].map((s) => ack(2, ev(s)))).toEqual([1, 2]);
    expect(ack(2, ev(3, 'event_lost'))).toBe(3);
    expect(lost).toEqual(['sequence', 'agent']);
    // The old journal coming back resumes where it was.
    registry.streamClosed('web-1', 2, 'test');
    expect(registry.hello(hello('A', 3), 1000, 3)).toMatchObject({ lastEventSeq: 7 });
  });
});
