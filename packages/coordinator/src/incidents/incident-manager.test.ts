import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, FakeClock, PROBLEM_CLASS_TABLE, type CloudEvent, type ProblemClass } from '@vigil/shared';
import { openDb, type Db } from '../store/db.js';
import { IncidentManager } from './incident-manager.js';
import { IncidentStore } from './incident-store.js';

const MIN = 60_000;
let dir: string;
let db: Db;
let clock: FakeClock;
let published: { subject: string; event: CloudEvent<any> }[];

function manager(): IncidentManager {
  const m = new IncidentManager(
    db,
    new IncidentStore(db),
    { enqueue: (subject, event) => published.push({ subject, event }), kick: () => {} },
    clock,
    createLogger('test', 'silent'),
    { escalationMs: (c: ProblemClass) => PROBLEM_CLASS_TABLE[c].escalationMs, settleMs: 60_000, tickMs: 1000, source: 'test', apiBase: 'http://api' },
  );
  m.start();
  return m;
}

const subjects = () => published.map((p) => p.subject);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-inc-'));
  db = openDb(dir);
  clock = new FakeClock();
  published = [];
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('incidents - open and deduplicate', () => {
  it('opens one incident per host, service and class, and records repeats on its timeline', () => {
    const m = manager();
    const a = m.raise({ hostId: 'web-1.example.com', service: 'api', class: 'service_failure', confidence: 0.95, summary: 'api inactive' });
    const b = m.raise({ hostId: 'web-1.example.com', service: 'api', class: 'service_failure', confidence: 0.95, summary: 'api still inactive' });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.incident.id).toBe(a.incident.id);
    expect(subjects()).toEqual(['vigil.v1.incident.opened.web-1_example_com', 'vigil.v1.escalation.l1.service_failure.web-1_example_com']);
    expect(m.store.timeline(a.incident.id).map((t) => t.kind)).toEqual(['opened', 'notification', 'observation']);
    const data = published[1]!.event.data;
    expect(data).toMatchObject({ level: 1, class: 'service_failure', confidence: 0.95, hostId: 'web-1.example.com', service: 'api', url: `http://api/v1/incidents/${a.incident.id}` });
  });
});

describe('incidents - escalation matrix', () => {
  it('moves up a level each time the class escalation time passes, and stops at level 3', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', service: 'api', class: 'service_failure', confidence: 0.95, summary: 's' });
    clock.advance(3 * MIN - 1000);
    expect(m.get(incident.id)!.level).toBe(1);
    clock.advance(1000);
    expect(m.get(incident.id)!.level).toBe(2);
    clock.advance(3 * MIN);
    expect(m.get(incident.id)!.level).toBe(3);
    clock.advance(60 * MIN);
    expect(m.get(incident.id)!.level).toBe(3);
    expect(subjects().filter((s) => s.startsWith('vigil.v1.escalation'))).toEqual([
      'vigil.v1.escalation.l1.service_failure.h',
      'vigil.v1.escalation.l2.service_failure.h',
      'vigil.v1.escalation.l3.service_failure.h',
    ]);
  });

  it('uses each class its own time: network 5 min, hardware 10 min', () => {
    const m = manager();
    const net = m.raise({ hostId: 'n', class: 'network_issue', confidence: 0.9, summary: 'ping fails' }).incident;
    const hw = m.raise({ hostId: 'w', class: 'server_hardware_issue', confidence: 0.85, summary: 'ssh fails' }).incident;
    clock.advance(5 * MIN);
    expect([m.get(net.id)!.level, m.get(hw.id)!.level]).toEqual([2, 1]);
    clock.advance(5 * MIN);
    expect([m.get(net.id)!.level, m.get(hw.id)!.level]).toEqual([3, 2]);
  });

  it('an acknowledged incident escalates no further', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    m.acknowledge(incident.id, 'alice', 'on it');
    clock.advance(60 * MIN);
    expect(m.get(incident.id)).toMatchObject({ level: 1, state: 'acknowledged', acknowledgedBy: 'alice' });
    expect(subjects()).toContain('vigil.v1.incident.acknowledged.h');
  });

  it('resumes timers after a restart without losing or repeating a level', () => {
    let m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'service_failure', confidence: 0.95, summary: 's' });
    m.stop();
    clock.advance(4 * MIN); // the coordinator was down past the deadline
    m = manager();
    m.tick();
    expect(m.get(incident.id)!.level).toBe(2);
    m.stop();
    m = manager();
    m.tick();
    m.tick();
    expect(m.get(incident.id)!.level).toBe(2);
    expect(subjects().filter((s) => s.includes('.l2.'))).toHaveLength(1);
  });
});

describe('incidents - silences and suppression', () => {
  it('a silence keeps the escalation subjects quiet but the timeline still records', () => {
    const m = manager();
    const store = m.store;
    store.addSilence({ id: 's1', hostId: 'h', service: null, class: null, startsAt: clock.now(), endsAt: clock.now() + 60 * MIN, comment: 'maintenance', createdBy: 'bob', createdAt: clock.now(), expiredAt: null });
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    clock.advance(5 * MIN);
    expect(m.get(incident.id)!.level).toBe(2);
    expect(subjects().filter((s) => s.startsWith('vigil.v1.escalation'))).toEqual([]);
    expect(published.find((p) => p.subject.startsWith('vigil.v1.incident.opened'))!.event.data.silenced).toBe(true);
    expect(store.timeline(incident.id).filter((t) => t.kind === 'silenced')).toHaveLength(2);
  });

  it('an incident explained by another is recorded but not escalated until that one resolves', () => {
    const m = manager();
    const host = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 'host down' }).incident;
    const svc = m.raise({ hostId: 'h', service: 'api', class: 'service_failure', confidence: 0.95, summary: 'api down', parentId: host.id }).incident;
    clock.advance(10 * MIN);
    expect(m.get(svc.id)!.level).toBe(1);
    expect(subjects().filter((s) => s.includes('service_failure'))).toEqual([]);
    m.resolve(host.id, 'alice', 'switch replaced');
    expect(m.get(svc.id)!.parentId).toBeNull();
    clock.advance(3 * MIN);
    expect(m.get(svc.id)!.level).toBe(2);
  });
});

describe('incidents - resolution', () => {
  it('resolves itself once the condition stays clear for the settle window', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'agent_failure', confidence: 0.9, summary: 's' });
    m.conditionClear(incident.id, 'agent reconnected');
    clock.advance(30_000);
    m.conditionPresent(incident.id, 'agent gone again');
    clock.advance(60_000);
    expect(m.get(incident.id)!.state).toBe('open');
    m.conditionClear(incident.id, 'agent reconnected');
    clock.advance(61_000);
    expect(m.get(incident.id)).toMatchObject({ state: 'resolved', resolvedBy: 'vigil' });
    expect(subjects()).toContain('vigil.v1.incident.resolved.h');
  });
});
