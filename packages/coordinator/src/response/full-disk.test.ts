import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, FakeClock, PROBLEM_CLASS_TABLE, type ProblemClass, type ValidProbeResult } from '@vigil/shared';
import { SilenceDetector } from '../detector/silence-detector.js';
import { Diagnoser } from '../diagnosis/diagnoser.js';
import { AgentChannels, type ProbeAsk } from '../grpc/agent-channels.js';
import { IncidentManager } from '../incidents/incident-manager.js';
import { IncidentStore } from '../incidents/incident-store.js';
import { HeartbeatWriter } from '../registry/heartbeat-writer.js';
import { HostRegistry } from '../registry/host-registry.js';
import { Readiness } from '../readiness.js';
import { AgentEventStore } from '../store/agent-event-store.js';
import { openDb, type Db } from '../store/db.js';
import { HostStore } from '../store/host-store.js';
import { StoreWriteGuard } from '../store/write-guard.js';
import { fillStore, freeStore } from '../test-support/full-store.js';
import { Responder } from './responder.js';
import { RESPONSE_RULES } from './rules/table.js';

const log = createLogger('test', 'silent');
let dir: string;
let db: Db;
let clock: FakeClock;
let guard: StoreWriteGuard;
let registry: HostRegistry;
let incidents: IncidentManager;
let responder: Responder;
let session = 1;

/** Nothing answers: every silent host is a network_issue. */
const prober = {
  async probe(ask: ProbeAsk): Promise<ValidProbeResult> {
    return { requestId: 'x', kind: ask.kind, target: ask.target, ok: false, durationMs: 1, error: 'down', transmitted: 4, received: 0, lossPercent: 100, rttAvgMs: 0, banner: '', addresses: [], statusCode: 0, refused: '' };
  },
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-resp-full-'));
  db = openDb(dir);
  clock = new FakeClock();
  guard = new StoreWriteGuard(clock, log, new Readiness(clock, 60_000));
  const hostStore = new HostStore(db);
  const events = new AgentEventStore(db);
  const detector = new SilenceDetector(clock, (v) => registry.onSilent(v));
  registry = new HostRegistry(clock, hostStore, new HeartbeatWriter(db, hostStore, undefined, undefined, undefined, guard), detector, (t) => hostStore.recordTransition(t), { disconnectGraceMs: 300, restartGraceMs: 1000, detectionWindowMs: () => 1000, storeGuard: guard }, log, events);
  incidents = new IncidentManager(db, new IncidentStore(db), { enqueue: () => {}, kick: () => {} }, clock, log, {
    escalationMs: (c: ProblemClass) => PROBLEM_CLASS_TABLE[c].escalationMs,
    settleMs: 2000,
    tickMs: 100,
    source: 't',
    apiBase: 'http://api',
    storeGuard: guard,
  });
  incidents.start();
  const diagnoser = new Diagnoser(registry, new AgentChannels(), prober, log, { peers: 3 });
  responder = new Responder(registry, diagnoser, incidents, 'c1', () => [], log, { partitionMinHosts: 3, partitionRatio: 0.3, partitionWindowMs: 30_000, serviceReportsBeforeIncident: 2, diagnosisConcurrency: 2 }, RESPONSE_RULES, clock);
  responder.start();
  guard.onRecovered(() => responder.retryRefused());
});

afterEach(() => {
  incidents.stop();
  registry.stop();
  guard.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function hello(id: string): number {
  const s = session++;
  registry.hello({ hostId: id, agentVersion: '1', hostname: id, os: null, services: [], capabilities: [], intervalMs: 500, labels: { address: `addr-${id}` }, startedAtMs: 1 }, 500, s);
  return s;
}

describe('responder - a host lost while the store is full', () => {
  it('is diagnosed from memory, and its incident is opened once the store takes writes again', async () => {
    for (const h of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) hello(h);
    const s = hello('web-1');
    fillStore(db);

    registry.streamClosed('web-1', s, 'connection lost');
    clock.advance(400);
    await responder.idle();
    expect(registry.get('web-1')!.state).toBe('silent');
    // Diagnosed, but the incident could not be written.
    expect(incidents.store.activeForHost('web-1')).toEqual([]);
    expect(guard.degraded).toBe(true);

    freeStore(db);
    clock.advance(2000);
    expect(guard.degraded).toBe(false);
    expect(incidents.store.activeForHost('web-1')).toMatchObject([{ class: 'network_issue', level: 1 }]);
  });
});
