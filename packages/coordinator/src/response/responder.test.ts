import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, FakeClock, PROBLEM_CLASS_TABLE, type ProblemClass, type ValidProbeResult, type ValidServiceStatus } from '@vigil/shared';
import { SilenceDetector } from '../detector/silence-detector.js';
import { Diagnoser } from '../diagnosis/diagnoser.js';
import type { LocalProber } from '../diagnosis/vantage.js';
import { AgentChannels, type ProbeAsk } from '../grpc/agent-channels.js';
import { IncidentManager } from '../incidents/incident-manager.js';
import { IncidentStore } from '../incidents/incident-store.js';
import { HeartbeatWriter } from '../registry/heartbeat-writer.js';
import { HostRegistry } from '../registry/host-registry.js';
import { AgentEventStore } from '../store/agent-event-store.js';
import { openDb, type Db } from '../store/db.js';
import { HostStore } from '../store/host-store.js';
import type { AnyResponseRule } from './context.js';
import { RunbookLevelActions } from './level-actions.js';
import { Responder } from './responder.js';
import { RESPONSE_RULES } from './rules/table.js';

const log = createLogger('test', 'silent');
let dir: string;
let db: Db;
let clock: FakeClock;
let registry: HostRegistry;
let incidents: IncidentManager;
let responder: Responder;
let events: AgentEventStore;
/** What the coordinator's own probes see, per target and kind. */
let reachable: Record<string, { ping: boolean; ssh: boolean }>;
let session = 1;
/** Subjects the incident manager put in the outbox, in order. */
let published: string[];

/** While set, every probe waits for it: diagnoses stay under way until the test opens it. */
let gate: Promise<void> | undefined;
/** Hosts with a probe in flight now (by address or by name), and the most seen at once. */
const probing = new Map<string, number>();
let peakTargets = 0;
const probed = new Set<string>();

const prober: LocalProber = {
  async probe(ask: ProbeAsk): Promise<ValidProbeResult> {
    const host = ask.target.replace(/^addr-/, '');
    probed.add(host);
    probing.set(host, (probing.get(host) ?? 0) + 1);
    peakTargets = Math.max(peakTargets, probing.size);
    try {
      await gate;
    } finally {
      const n = probing.get(host)! - 1;
      if (n === 0) probing.delete(host);
      else probing.set(host, n);
    }
    const r = reachable[ask.target] ?? { ping: false, ssh: false };
    const ok = ask.kind === 'ping' ? r.ping : ask.kind === 'ssh' ? r.ssh : true;
    return { requestId: 'x', kind: ask.kind, target: ask.target, ok, durationMs: 1, error: ok ? '' : 'down', transmitted: 4, received: ok ? 4 : 0, lossPercent: ok ? 0 : 100, rttAvgMs: 0, banner: '', addresses: [], statusCode: 0, refused: '' };
  },
};

function hello(id: string, labels: Record<string, string> = {}, services: { name: string; manager: string; recoveryEnabled: boolean }[] = []) {
  const s = session++;
  registry.hello({ hostId: id, agentVersion: '1', hostname: id, os: null, services, capabilities: [], intervalMs: 500, labels: { address: `addr-${id}`, ...labels }, startedAtMs: 1 }, 500, s);
  return s;
}

async function crash(id: string, s: number) {
  registry.streamClosed(id, s, 'test');
  clock.advance(400);
  await responder.idle();
}

function status(over: Partial<ValidServiceStatus>): ValidServiceStatus {
  return { name: 'api', state: 'running', pids: [1], checks: [], errorRate: null, recovering: false, budgetUsed: 0, budgetMax: 3, exhausted: false, manager: 'process', sinceMs: 0, logLinesScanned: 0, logLinesSkipped: 0, memoryBytes: 0, memoryPercent: 0, ...over };
}

async function beat(id: string, s: number, services: ValidServiceStatus[], findings: any[] = []) {
  await new Promise<void>((resolve, reject) =>
    registry.heartbeat(id, s, { seq: 1, sentAtMs: 1, resources: null, collectors: [], services, findings }, (e) => (e ? reject(e) : resolve())),
  );
}

const active = (host: string) => incidents.store.activeForHost(host);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-resp-'));
  db = openDb(dir);
  clock = new FakeClock();
  reachable = {};
  gate = undefined;
  probing.clear();
  probed.clear();
  peakTargets = 0;
  const hostStore = new HostStore(db);
  events = new AgentEventStore(db);
  const detector = new SilenceDetector(clock, (v) => registry.onSilent(v));
  registry = new HostRegistry(clock, hostStore, new HeartbeatWriter(db, hostStore), detector, (t) => hostStore.recordTransition(t), { disconnectGraceMs: 300, restartGraceMs: 1000, detectionWindowMs: () => 1000 }, log, events);
  published = [];
  incidents = new IncidentManager(db, new IncidentStore(db), { enqueue: (subject) => void published.push(subject), kick: () => {} }, clock, log, {
    escalationMs: (c: ProblemClass) => PROBLEM_CLASS_TABLE[c].escalationMs,
    settleMs: 2000,
    tickMs: 100,
    source: 't',
    apiBase: 'http://api',
  });
  incidents.start();
  const diagnoser = new Diagnoser(registry, new AgentChannels(), prober, log, { peers: 3 });
  responder = new Responder(registry, diagnoser, incidents, 'c1', (h) => events.findings(h), log, { partitionMinHosts: 3, partitionRatio: 0.3, partitionWindowMs: 30_000, serviceReportsBeforeIncident: 2, diagnosisConcurrency: 2 }, RESPONSE_RULES, clock);
  responder.start();
});

afterEach(() => {
  incidents.stop();
  registry.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('responder - silent hosts are diagnosed and classified', () => {
  it('ping fails → network_issue at 0.9 with the tree path', async () => {
    for (const h of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) hello(h);
    const s = hello('web-1');
    await crash('web-1', s);
    const [i] = active('web-1');
    expect(i).toMatchObject({ class: 'network_issue', confidence: 0.9, level: 1, service: '' });
    expect((i!.diagnosis as any).path.map((p: any) => p.node)).toEqual(['network_connectivity']);
    expect((i!.diagnosis as any).facts).toMatchObject({ ping_ok: false, agent_connected: false });
  });

  it('ping answers, SSH does not → server_hardware_issue', async () => {
    for (const h of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) hello(h);
    reachable['addr-db-1'] = { ping: true, ssh: false };
    await crash('db-1', hello('db-1'));
    expect(active('db-1').map((i) => i.class)).toEqual(['server_hardware_issue']);
  });

  it('ping and SSH answer but the agent is gone → agent_failure, cleared when it reconnects', async () => {
    for (const h of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) hello(h);
    reachable['addr-app-1'] = { ping: true, ssh: true };
    await crash('app-1', hello('app-1'));
    const [i] = active('app-1');
    expect(i!.class).toBe('agent_failure');
    hello('app-1');
    clock.advance(2500);
    expect(incidents.get(i!.id)!.state).toBe('resolved');
  });
});

describe('responder - a fleet-wide cut is diagnosed a few hosts at a time', () => {
  it('at most diagnosisConcurrency diagnoses run at once; a host back while queued is never probed; every other host gets its incident', async () => {
    const sessions = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => [h, hello(h)] as const);
    let open!: () => void;
    gate = new Promise<void>((r) => (open = r));
    for (const [h, s] of sessions) registry.streamClosed(h, s, 'cut');
    clock.advance(400);
    expect(sessions.every(([h]) => registry.get(h)!.state === 'silent')).toBe(true);
    await new Promise<void>((r) => setImmediate(r));
    expect(responder.diagnosisLoad()).toMatchObject({ running: 2, queued: 4 });
    expect([...probing.keys()].sort()).toEqual(['h1', 'h2']);

    // h5 reconnects while it waits: it leaves the queue at once.
    hello('h5');
    expect(responder.diagnosisLoad()).toMatchObject({ running: 2, queued: 3 });

    open();
    await responder.idle();
    expect(peakTargets).toBe(2);
    expect(probed.has('h5')).toBe(false);
    expect([...probed].sort()).toEqual(['h1', 'h2', 'h3', 'h4', 'h6']);
    expect(responder.diagnosisLoad()).toEqual({ running: 0, queued: 0, oldestWaitMs: 0 });
    for (const h of ['h1', 'h2', 'h3', 'h4', 'h6']) expect(active(h).filter((i) => i.class === 'network_issue' || i.class === 'server_hardware_issue' || i.class === 'agent_failure'), h).toHaveLength(1);
    expect(active('h5')).toEqual([]);
  });
});

describe('responder - many at once is the observer, not the fleet', () => {
  it('most hosts lost at once with no peer to say otherwise: one observer_partition explains every silent host, later ones too', async () => {
    const sessions = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9', 'h10'].map((h) => [h, hello(h)] as const);
    for (const [h, s] of sessions.slice(0, 5)) await crash(h, s);
    // 5 silent, 5 still heartbeating: the coordinator's link works.
    expect(incidents.store.allActive().filter((i) => i.class === 'observer_partition')).toEqual([]);
    await crash(...sessions[5]!);
    const partition = incidents.store.allActive().filter((i) => i.class === 'observer_partition');
    expect(partition).toHaveLength(1);
    expect(partition[0]!.hostId).toBe('coordinator:c1');
    // A host that falls silent after the verdict is still diagnosed and gets its incident.
    await crash(...sessions[6]!);
    for (const h of ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7']) {
      const own = active(h).filter((i) => i.service === '');
      expect(own.map((i) => i.parentId), h).toEqual([partition[0]!.id]);
    }
    clock.advance(10 * 60_000);
    expect(incidents.store.allActive().filter((i) => i.class !== 'observer_partition').every((i) => i.level === 1)).toBe(true);
  });

  it('4 of 10 silent while 6 still heartbeat, no peer evidence: not a partition, each host its own incident', async () => {
    const sessions = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9', 'h10'].map((h) => [h, hello(h)] as const);
    for (const [h, s] of sessions.slice(0, 4)) await crash(h, s);
    expect(incidents.store.allActive().filter((i) => i.class === 'observer_partition')).toEqual([]);
    for (const h of ['h1', 'h2', 'h3', 'h4']) expect(active(h).map((i) => [i.class, i.parentId]), h).toEqual([['network_issue', null]]);
  });
});

describe('responder - a zone that went down together', () => {
  it('groups the hosts of a zone under one zone incident', async () => {
    for (const h of ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9']) hello(h, { zone: 'z2' });
    const a = hello('r1', { zone: 'z1' });
    const b = hello('r2', { zone: 'z1' });
    hello('r3', { zone: 'z1' });
    await crash('r1', a);
    await crash('r2', b);
    const zone = incidents.store.findActive('zone:z1', '', 'network_issue');
    expect(zone).toBeDefined();
    expect(active('r1')[0]!.parentId).toBe(zone!.id);
    expect(active('r2')[0]!.parentId).toBe(zone!.id);
  });
});

describe('responder - services reported by agents', () => {
  it('opens service_failure after two reports of a stopped service, not while the agent is recovering it', async () => {
    const s = hello('svc-1', {}, [{ name: 'api', manager: 'process', recoveryEnabled: true }]);
    await beat('svc-1', s, [status({ state: 'failed', recovering: true })]);
    await beat('svc-1', s, [status({ state: 'failed', recovering: true })]);
    expect(active('svc-1')).toEqual([]);
    await beat('svc-1', s, [status({ state: 'inactive' })]);
    expect(active('svc-1')).toEqual([]);
    await beat('svc-1', s, [status({ state: 'inactive' })]);
    const [i] = active('svc-1');
    expect(i).toMatchObject({ class: 'service_failure', service: 'api', confidence: 0.95 });
    await beat('svc-1', s, [status({ state: 'running' })]);
    clock.advance(2500);
    expect(incidents.get(i!.id)!.state).toBe('resolved');
  });

  it('opens partial_failure for a running service erring above 1 %', async () => {
    const s = hello('svc-2');
    const erring = status({ errorRate: { requests: 1000, errors: 50, rate: 0.05, windowMs: 300_000 } });
    await beat('svc-2', s, [erring]);
    await beat('svc-2', s, [erring]);
    expect(active('svc-2')[0]).toMatchObject({ class: 'partial_failure', confidence: 0.8 });
    expect((active('svc-2')[0]!.diagnosis as any).next).toBe('application_level_diagnosis');
  });

  it('escalates at once when the agent reports recovery_exhausted, with the root cause from its logs', async () => {
    const s = hello('svc-3', {}, [{ name: 'api', manager: 'process', recoveryEnabled: true }]);
    await beat('svc-3', s, [status({ state: 'failed', recovering: true })], [
      { cause: 'configuration_error', service: 'api', source: 'stdout', excerpt: 'Failed to parse config: line 3', count: 3, firstSeenMs: 1, lastSeenMs: 2, skippedLines: 0, diagnosis: 'config error', fix: 'fix it', prevention: 'validate' },
    ]);
    registry.agentEvent('svc-3', s, { eventSeq: 1, atMs: 1, service: 'api', type: 'recovery_exhausted', step: '', detail: '3 of 3 used', cause: 'configuration_error', requestId: '' });
    const [i] = active('svc-3');
    expect(i).toMatchObject({ class: 'service_failure', level: 2 });
    expect(i!.rootCause).toMatchObject({ cause: 'configuration_error', excerpt: 'Failed to parse config: line 3', fix: 'fix it' });
    expect(incidents.store.timeline(i!.id).map((t) => t.kind)).toContain('agent_event');
  });
});

describe('responder - rules run from a table', () => {
  it('a failing rule is logged and the rules after it still run', async () => {
    const seen: string[] = [];
    const rules: AnyResponseRule[] = [
      { name: 'boom', on: 'heartbeat', handle: () => { throw new Error('boom'); } },
      { name: 'after', on: 'heartbeat', handle: (e) => void seen.push(e.hostId) },
      { name: 'other', on: 'findings', handle: () => void seen.push('findings') },
    ];
    const r = new Responder(registry, new Diagnoser(registry, new AgentChannels(), prober, log), incidents, 'c2', () => [], log, {}, rules);
    r.start();
    const s = hello('tbl-1');
    await beat('tbl-1', s, []);
    expect(seen).toEqual(['tbl-1']);
  });
});

describe('responder - a host that goes away again', () => {
  it('marks its settling host incident present the moment its stream breaks, before any diagnosis', async () => {
    for (const h of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) hello(h);
    await crash('fl-1', hello('fl-1'));
    const [i] = active('fl-1');
    expect(i!.class).toBe('network_issue');
    const s = hello('fl-1');
    expect(incidents.get(i!.id)!.clearSince).not.toBeNull();
    clock.advance(1500);
    registry.streamClosed('fl-1', s, 'link cut again');
    // Still suspect: no diagnosis has run, yet the condition is present.
    expect(registry.get('fl-1')!.state).toBe('suspect');
    expect(incidents.get(i!.id)!.clearSince).toBeNull();
    clock.advance(400);
    await responder.idle();
    // Flapping for longer than the settle window: still the one incident.
    for (let n = 0; n < 5; n++) {
      const again = hello('fl-1');
      clock.advance(1500);
      await crash('fl-1', again);
    }
    expect(incidents.store.list({ hostId: 'fl-1' }).map((x) => x.id)).toEqual([i!.id]);
  });
});

describe('responder - level 2 actions follow the level action table', () => {
  const exhausted = (n: number) => ({ eventSeq: n, atMs: n, service: 'api', type: 'recovery_exhausted' as const, step: '', detail: '3 of 3 used', cause: '', requestId: '' });

  it('a configuration_error service incident reaching level 2 publishes no reboot (nor failover) request', async () => {
    incidents.setActions(new RunbookLevelActions(registry, new AgentChannels(), log));
    const s = hello('cfg-1', {}, [{ name: 'api', manager: 'process', recoveryEnabled: true }]);
    await beat('cfg-1', s, [status({ state: 'failed', recovering: true })], [
      { cause: 'configuration_error', service: 'api', source: 'stdout', excerpt: 'Failed to parse config: line 3', count: 1, firstSeenMs: 1, lastSeenMs: 2, skippedLines: 0, diagnosis: 'config error', fix: 'fix it', prevention: 'validate' },
    ]);
    registry.agentEvent('cfg-1', s, exhausted(1));
    const [i] = active('cfg-1');
    expect(i).toMatchObject({ level: 2, rootCause: { cause: 'configuration_error' } });
    await new Promise((r) => setImmediate(r));
    expect(published).toContain('vigil.v1.escalation.l2.service_failure.cfg-1');
    expect(published.filter((x) => x.startsWith('vigil.v1.action.'))).toEqual([]);
    expect(incidents.store.timeline(i!.id).map((t) => t.summary)).toContain('level 2: no reboot requested (configuration_error): a restart, reboot or failover runs the same configuration again: the file must be fixed by a person');
  });

  it('recovery_exhausted naming configuration_error before its log finding arrives: no failover either, and the finding replaces the event\'s cause when it comes', async () => {
    incidents.setActions(new RunbookLevelActions(registry, new AgentChannels(), log));
    const s = hello('cfg-2', {}, [{ name: 'api', manager: 'process', recoveryEnabled: true }]);
    registry.agentEvent('cfg-2', s, { ...exhausted(1), cause: 'configuration_error' });
    const [i] = active('cfg-2');
    expect(i).toMatchObject({ level: 2, rootCause: { cause: 'configuration_error', excerpt: '3 of 3 used', fix: 'Validate and fix the configuration file.' } });
    await new Promise((r) => setImmediate(r));
    expect(published).toContain('vigil.v1.escalation.l2.service_failure.cfg-2');
    expect(published.filter((x) => x.startsWith('vigil.v1.action.'))).toEqual([]);
    await beat('cfg-2', s, [status({ state: 'failed' })], [
      { cause: 'configuration_error', service: 'api', source: 'stdout', excerpt: 'Failed to parse config: line 3', count: 1, firstSeenMs: 1, lastSeenMs: 2, skippedLines: 0, diagnosis: 'config error', fix: 'fix it', prevention: 'validate' },
    ]);
    expect(active('cfg-2')[0]!.rootCause).toMatchObject({ cause: 'configuration_error', excerpt: 'Failed to parse config: line 3' });
  });

  it('the same failure without a root cause on a healthy host asks for a failover of the service, not a reboot', async () => {
    incidents.setActions(new RunbookLevelActions(registry, new AgentChannels(), log));
    const s = hello('svc-9', {}, [{ name: 'api', manager: 'process', recoveryEnabled: true }]);
    registry.agentEvent('svc-9', s, exhausted(1));
    await new Promise((r) => setImmediate(r));
    expect(published.filter((x) => x.startsWith('vigil.v1.action.'))).toEqual(['vigil.v1.action.failover.svc-9']);
  });
});

describe('responder - a crash loop is one incident', () => {
  const ev = (n: number, type: string) => ({ eventSeq: n, atMs: n, service: 'api', type, step: '', detail: '', cause: '', requestId: '' });

  it('down reports while the agent recovers, recurrence and recovery_exhausted mark the one incident present; none opens a second', async () => {
    const s = hello('loop-1', {}, [{ name: 'api', manager: 'process', recoveryEnabled: true }]);
    registry.agentEvent('loop-1', s, ev(1, 'recurrence'));
    const [i] = active('loop-1');
    expect(i).toMatchObject({ class: 'service_failure', level: 2 });
    // One running report between two kills: the condition is clear, settling...
    await beat('loop-1', s, [status({ state: 'running' })]);
    expect(incidents.get(i!.id)!.clearSince).not.toBeNull();
    clock.advance(500);
    // ...and the next kill, reported while the agent is already recovering, makes it present again.
    await beat('loop-1', s, [status({ state: 'failed', recovering: true })]);
    expect(incidents.get(i!.id)!.clearSince).toBeNull();
    await beat('loop-1', s, [status({ state: 'running' })]);
    clock.advance(500);
    registry.agentEvent('loop-1', s, ev(2, 'recurrence'));
    expect(incidents.get(i!.id)).toMatchObject({ clearSince: null, level: 3 });
    await beat('loop-1', s, [status({ state: 'running' })]);
    clock.advance(500);
    // Exhaustion while the incident settles lands on it, not on a new one.
    registry.agentEvent('loop-1', s, ev(3, 'recovery_exhausted'));
    expect(incidents.get(i!.id)!.clearSince).toBeNull();
    clock.advance(5000);
    expect(incidents.store.list({ hostId: 'loop-1' }).map((x) => [x.id, x.state])).toEqual([[i!.id, 'open']]);
  });

  it('a service erring and then down is one incident: the down reports mark the partial_failure present', async () => {
    const s = hello('loop-2');
    const erring = status({ errorRate: { requests: 1000, errors: 50, rate: 0.05, windowMs: 300_000 } });
    await beat('loop-2', s, [erring]);
    await beat('loop-2', s, [erring]);
    const [i] = active('loop-2');
    expect(i!.class).toBe('partial_failure');
    await beat('loop-2', s, [status({ state: 'running' })]);
    await beat('loop-2', s, [status({ state: 'failed' })]);
    await beat('loop-2', s, [status({ state: 'failed' })]);
    expect(active('loop-2').map((x) => x.id)).toEqual([i!.id]);
    expect(incidents.get(i!.id)!.clearSince).toBeNull();
  });
});

describe('responder - a silence holds the level actions too', () => {
  it('a host down under a silence reaches level 2: its reboot and failover requests are held, not published', async () => {
    incidents.setActions(new RunbookLevelActions(registry, new AgentChannels(), log));
    for (const h of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) hello(h);
    incidents.store.addSilence({ id: 'sil-1', hostId: 'maint-1', service: null, class: null, startsAt: 0, endsAt: clock.now() + 3_600_000, comment: 'maintenance', createdBy: 'ops', createdAt: 0, expiredAt: null });
    await crash('maint-1', hello('maint-1'));
    const [i] = active('maint-1');
    incidents.escalate(i!.id, 'test');
    await new Promise((r) => setImmediate(r));
    expect(published.filter((x) => x.startsWith('vigil.v1.action.') || x.startsWith('vigil.v1.escalation.'))).toEqual([]);
    expect(incidents.store.timeline(i!.id).filter((t) => t.kind === 'silenced').map((t) => t.summary)).toEqual([
      expect.stringMatching(/^level 1 notification held by silence sil-1/),
      expect.stringMatching(/^level 2 notification held by silence sil-1/),
      expect.stringMatching(/^reboot request held by silence sil-1/),
      expect.stringMatching(/^failover request held by silence sil-1/),
    ]);
  });
});
