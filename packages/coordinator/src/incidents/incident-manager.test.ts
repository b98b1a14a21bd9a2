import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, FakeClock, PROBLEM_CLASS_TABLE, type CloudEvent, type Logger, type ProblemClass } from '@vigil/shared';
import { openDb, type Db } from '../store/db.js';
import { MIGRATIONS } from '../store/migrations.js';
import { IncidentConflictError } from './errors.js';
import type { FlapOptions } from './flapping.js';
import { IncidentManager } from './incident-manager.js';
import { IncidentStore } from './incident-store.js';
import { subjectOf } from './subject.js';

const MIN = 60_000;
let dir: string;
let db: Db;
let clock: FakeClock;
let published: { subject: string; event: CloudEvent<any> }[];

function manager(over: { settleMs?: number; log?: Logger; flap?: FlapOptions } = {}): IncidentManager {
  const m = new IncidentManager(
    db,
    new IncidentStore(db),
    { enqueue: (subject, event) => published.push({ subject, event }), kick: () => {} },
    clock,
    over.log ?? createLogger('test', 'silent'),
    { escalationMs: (c: ProblemClass) => PROBLEM_CLASS_TABLE[c].escalationMs, settleMs: over.settleMs ?? 60_000, flap: over.flap, tickMs: 1000, source: 'test', apiBase: 'http://api' },
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

  it('a reopened incident is announced again at the level it had, then escalates from there', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    clock.advance(5 * MIN);
    m.resolve(incident.id, 'alice', 'looked fine');
    published = [];
    m.reopen(incident.id, 'bob', 'it was not');
    expect(subjects()).toEqual(['vigil.v1.incident.updated.h', 'vigil.v1.escalation.l2.network_issue.h']);
    expect(published[1]!.event.data).toMatchObject({ level: 2, state: 'open', reason: 'reopened by bob: it was not' });
    expect(m.store.timeline(incident.id).at(-1)).toMatchObject({ kind: 'notification', summary: 'published level 2 on vigil.v1.escalation.l2.network_issue.h' });
    clock.advance(5 * MIN);
    expect(subjects().filter((s) => s.startsWith('vigil.v1.escalation'))).toEqual(['vigil.v1.escalation.l2.network_issue.h', 'vigil.v1.escalation.l3.network_issue.h']);
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

describe('incidents - lifecycle through the manager', () => {
  it('refuses what the state does not allow with a typed conflict, and changes nothing', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    m.acknowledge(incident.id, 'alice', '');
    const again = (() => {
      try {
        m.acknowledge(incident.id, 'bob', '');
      } catch (err) {
        return err;
      }
    })();
    expect(again).toBeInstanceOf(IncidentConflictError);
    expect(again).toMatchObject({ code: 'CONFLICT', reason: 'already_acknowledged', httpStatus: 409, incidentId: incident.id });
    expect(m.get(incident.id)!.acknowledgedBy).toBe('alice');
    expect(() => m.reopen(incident.id, 'alice', 'x')).toThrow(expect.objectContaining({ reason: 'not_resolved' }));
    m.resolve(incident.id, 'alice', 'fixed');
    expect(() => m.resolve(incident.id, 'bob', 'again')).toThrow(expect.objectContaining({ reason: 'already_resolved' }));
    expect(() => m.acknowledge(incident.id, 'bob', '')).toThrow(expect.objectContaining({ reason: 'already_resolved' }));
    expect(m.get(incident.id)).toMatchObject({ state: 'resolved', resolvedBy: 'alice', resolution: 'fixed' });
    expect(() => m.acknowledge('inc-none', 'bob', '')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('news about a resolved incident is ignored, not an error', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    m.resolve(incident.id, 'alice', 'fixed');
    const before = m.store.timeline(incident.id).length;
    m.conditionClear(incident.id, 'x');
    m.conditionPresent(incident.id, 'x');
    m.escalate(incident.id, 'x');
    expect(m.get(incident.id)).toMatchObject({ state: 'resolved', level: 1 });
    expect(m.store.timeline(incident.id)).toHaveLength(before);
  });

  it('reopens a resolved incident at its level with a fresh deadline, unless another is active for its key', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    clock.advance(5 * MIN);
    m.resolve(incident.id, 'alice', 'looked fine');
    clock.advance(MIN);
    const r = m.reopen(incident.id, 'alice', 'it was not');
    expect(r).toMatchObject({ state: 'open', level: 2, resolvedAt: null, resolvedBy: null, nextEscalationAt: clock.now() + 5 * MIN });
    clock.advance(5 * MIN);
    expect(m.get(incident.id)!.level).toBe(3);
    m.resolve(incident.id, 'alice', 'now fixed');
    const other = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 'down again' }).incident;
    expect(other.id).not.toBe(incident.id);
    expect(() => m.reopen(incident.id, 'alice', 'x')).toThrow(expect.objectContaining({ reason: 'duplicate_active' }));
  });

  it('runs listeners after the transaction has committed, with the incident as it was at the change', () => {
    const m = manager();
    const seen: { event: string; inTx: boolean; stored: string | undefined; state: string }[] = [];
    m.onChange((i, event) => seen.push({ event, inTx: db.inTransaction, stored: m.get(i.id)?.state, state: i.state }));
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    m.acknowledge(incident.id, 'alice', '');
    m.resolve(incident.id, 'alice', 'fixed');
    expect(seen).toEqual([
      { event: 'opened', inTx: false, stored: 'open', state: 'open' },
      { event: 'acknowledged', inTx: false, stored: 'acknowledged', state: 'acknowledged' },
      { event: 'resolved', inTx: false, stored: 'resolved', state: 'resolved' },
    ]);
  });

  it('a listener that writes (links a prediction) and one that throws do not break the change', () => {
    const m = manager();
    m.onChange(() => {
      throw new Error('listener bug');
    });
    m.onChange((i, event) => {
      if (event === 'opened') m.linkPrediction(i.id, 'pred-1', 'predicted');
    });
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    expect(m.get(incident.id)!.predictionId).toBe('pred-1');
  });

  it('no listener hears of a change that was rolled back', () => {
    const m = manager();
    const seen: string[] = [];
    m.onChange((_i, event) => seen.push(event));
    const a = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' }).incident;
    // A second row with the same active key breaks the unique index: the insert rolls back.
    const spy = m.store.findActive.bind(m.store);
    m.store.findActive = () => undefined;
    expect(() => m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' })).toThrow();
    m.store.findActive = spy;
    expect(seen).toEqual(['opened']);
    expect(m.store.allActive().map((i) => i.id)).toEqual([a.id]);
  });
});

describe('incidents - subjects', () => {
  it('stores the kind of subject with the row: host, service, zone, observer', () => {
    const m = manager();
    const host = m.raise({ hostId: 'web-1', class: 'network_issue', confidence: 0.9, summary: 's' }).incident;
    const svc = m.raise({ hostId: 'web-1', service: 'api', class: 'service_failure', confidence: 0.9, summary: 's' }).incident;
    const zone = m.raise({ hostId: 'zone:eu-1', subject: { kind: 'zone', zone: 'eu-1' }, class: 'network_issue', confidence: 0.9, summary: 's' }).incident;
    const obs = m.raise({ hostId: 'coordinator:c1', class: 'observer_partition', confidence: 0.9, summary: 's' }).incident;
    expect([host, svc, zone, obs].map((i) => subjectOf(m.get(i.id)!))).toEqual([
      { kind: 'host', hostId: 'web-1' },
      { kind: 'service', hostId: 'web-1', service: 'api' },
      { kind: 'zone', zone: 'eu-1' },
      { kind: 'observer', coordinatorId: 'c1' },
    ]);
    expect(db.prepare('SELECT subject_kind FROM incidents WHERE id = ?').get(zone.id)).toEqual({ subject_kind: 'zone' });
  });

  it('migration 7 gives rows written before it the kind their key names', () => {
    const old = mkdtempSync(join(tmpdir(), 'vigil-inc-v6-'));
    try {
      const raw = new Database(join(old, 'vigil.db'));
      raw.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (6);');
      for (const mig of MIGRATIONS.filter((x) => x.version <= 6)) raw.exec(mig.sql);
      const row = (id: string, host: string, service: string) =>
        raw.prepare("INSERT INTO incidents (id, host_id, service, class, state, level, confidence, summary, opened_at, updated_at) VALUES (?, ?, ?, 'network_issue', 'open', 1, 0.9, 's', 0, 0)").run(id, host, service);
      row('i-host', 'web-1', '');
      row('i-svc', 'web-1', 'api');
      row('i-zone', 'zone:eu', '');
      row('i-obs', 'coordinator:c1', '');
      raw.close();
      const migrated = openDb(old);
      const store = new IncidentStore(migrated);
      expect(['i-host', 'i-svc', 'i-zone', 'i-obs'].map((id) => store.get(id)!.subject)).toEqual([
        { kind: 'host', hostId: 'web-1' },
        { kind: 'service', hostId: 'web-1', service: 'api' },
        { kind: 'zone', zone: 'eu' },
        { kind: 'observer', coordinatorId: 'c1' },
      ]);
      expect(store.get('i-zone')).toMatchObject({ flapping: false, conditionChanges: [] });
      migrated.close();
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });

  it('refuses a subject that names another key than hostId and service', () => {
    const m = manager();
    expect(() => m.raise({ hostId: 'web-1', subject: { kind: 'zone', zone: 'eu-1' }, class: 'network_issue', confidence: 0.9, summary: 's' })).toThrow(/does not match/);
  });
});

describe('incidents - parents and children', () => {
  const zoneOf = (m: IncidentManager, hosts: string[]) => {
    const kids = hosts.map((h) => m.raise({ hostId: h, class: 'network_issue', confidence: 0.9, summary: `${h} down` }).incident);
    const zone = m.raise({ hostId: 'zone:z1', subject: { kind: 'zone', zone: 'z1' }, class: 'network_issue', confidence: 0.9, summary: 'zone z1 down' }).incident;
    for (const k of kids) m.setParent(k.id, zone.id, 'grouped');
    return { zone, kids };
  };

  it('a zone incident clears when every host it explains is back, and resolves after the settle window', () => {
    const m = manager();
    const { zone, kids } = zoneOf(m, ['a', 'b', 'c']);
    clock.advance(10 * MIN);
    expect(m.get(zone.id)!.level).toBe(3);
    m.conditionClear(kids[0]!.id, 'a back');
    m.conditionClear(kids[1]!.id, 'b back');
    expect(m.get(zone.id)!.clearSince).toBeNull();
    m.conditionClear(kids[2]!.id, 'c back');
    expect(m.get(zone.id)!.clearSince).toBe(clock.now());
    clock.advance(61_000);
    expect(m.get(zone.id)).toMatchObject({ state: 'resolved', resolvedBy: 'vigil' });
    expect(kids.map((k) => m.get(k.id)!.state)).toEqual(['resolved', 'resolved', 'resolved']);
  });

  it('a zone incident is down again when one of its hosts is, before it settled', () => {
    const m = manager();
    const { zone, kids } = zoneOf(m, ['a', 'b']);
    for (const k of kids) m.conditionClear(k.id, 'back');
    clock.advance(30_000);
    m.raise({ hostId: 'b', class: 'network_issue', confidence: 0.9, summary: 'b down again' });
    expect(m.get(zone.id)!.clearSince).toBeNull();
    clock.advance(5 * MIN);
    expect(m.get(zone.id)!.state).toBe('open');
  });

  it('a host that goes down after its zone incident resolved escalates on its own', () => {
    const m = manager();
    const { zone, kids } = zoneOf(m, ['a', 'b']);
    for (const k of kids) m.conditionClear(k.id, 'back');
    clock.advance(61_000);
    expect(m.get(zone.id)!.state).toBe('resolved');
    published = [];
    const lone = m.raise({ hostId: 'c', class: 'network_issue', confidence: 0.9, summary: 'c down', parentId: zone.id }).incident;
    expect(lone).toMatchObject({ parentId: null, nextEscalationAt: clock.now() + 5 * MIN });
    expect(m.store.timeline(lone.id).map((t) => t.summary)).toContain(`not explained by ${zone.id}: it is resolved; escalates on its own`);
    clock.advance(5 * MIN);
    expect(subjects()).toContain('vigil.v1.escalation.l2.network_issue.c');
  });

  it('a settling parent explains nothing new: raise and setParent leave the incident on its own', () => {
    const m = manager();
    const { zone, kids } = zoneOf(m, ['a']);
    m.conditionClear(kids[0]!.id, 'back');
    expect(m.get(zone.id)!.clearSince).not.toBeNull();
    const c = m.raise({ hostId: 'c', class: 'network_issue', confidence: 0.9, summary: 'c down', parentId: zone.id }).incident;
    expect(c.parentId).toBeNull();
    m.setParent(c.id, zone.id, 'grouped');
    expect(m.get(c.id)).toMatchObject({ parentId: null, nextEscalationAt: expect.any(Number) });
    expect(m.store.timeline(c.id).at(-1)!.summary).toMatch(/not grouped under .*settling/);
  });

  it('refuses a parent that is the child itself or explained by it', () => {
    const m = manager();
    const a = m.raise({ hostId: 'a', class: 'network_issue', confidence: 0.9, summary: 's' }).incident;
    const b = m.raise({ hostId: 'b', class: 'network_issue', confidence: 0.9, summary: 's' }).incident;
    m.setParent(a.id, a.id, 'x');
    m.setParent(b.id, a.id, 'x');
    m.setParent(a.id, b.id, 'x');
    expect([m.get(a.id)!.parentId, m.get(b.id)!.parentId]).toEqual([null, a.id]);
  });

  it('an observer partition clears when its hosts are back, but one host down again does not declare it again', () => {
    const m = manager();
    const obs = m.raise({ hostId: 'coordinator:c1', class: 'observer_partition', confidence: 0.9, summary: 'cut off' }).incident;
    const kids = ['a', 'b'].map((h) => m.raise({ hostId: h, class: 'network_issue', confidence: 0.9, summary: 's', parentId: obs.id }).incident);
    m.conditionClear(kids[0]!.id, 'back');
    m.conditionClear(kids[1]!.id, 'back');
    expect(m.get(obs.id)!.clearSince).not.toBeNull();
    m.conditionPresent(kids[1]!.id, 'b down again');
    expect(m.get(obs.id)!.clearSince).not.toBeNull();
    clock.advance(61_000);
    expect(m.get(obs.id)!.state).toBe('resolved');
    // b is on its own now and escalates.
    expect(m.get(kids[1]!.id)).toMatchObject({ state: 'open', parentId: null, nextEscalationAt: expect.any(Number) });
  });

  it('a zone whose hosts all moved under an observer partition clears, and is not left to escalate when the partition resolves', () => {
    const m = manager();
    const { zone, kids } = zoneOf(m, ['a', 'b']);
    const obs = m.raise({ hostId: 'coordinator:c1', class: 'observer_partition', confidence: 0.9, summary: 'cut off' }).incident;
    m.setParent(zone.id, obs.id, 'explained by the partition');
    m.setParent(kids[0]!.id, obs.id, 'explained by the partition');
    expect(m.get(zone.id)!.clearSince).toBeNull();
    m.setParent(kids[1]!.id, obs.id, 'explained by the partition');
    expect(m.get(zone.id)!.clearSince).toBe(clock.now());
    clock.advance(61_000);
    expect(m.get(zone.id)!.state).toBe('resolved');
    expect(m.get(obs.id)!.state).toBe('open');
  });

  it('a host incident is observed directly: its services clearing does not clear it', () => {
    const m = manager();
    const host = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' }).incident;
    const svc = m.raise({ hostId: 'h', service: 'api', class: 'service_failure', confidence: 0.9, summary: 's', parentId: host.id }).incident;
    m.conditionClear(svc.id, 'api running');
    expect(m.get(host.id)!.clearSince).toBeNull();
  });

  it('repairs on start a child whose parent was resolved without releasing it', () => {
    let m = manager();
    const parent = m.raise({ hostId: 'zone:z', class: 'network_issue', confidence: 0.9, summary: 's' }).incident;
    const child = m.raise({ hostId: 'a', class: 'network_issue', confidence: 0.9, summary: 's', parentId: parent.id }).incident;
    m.stop();
    db.prepare("UPDATE incidents SET state = 'resolved' WHERE id = ?").run(parent.id);
    m = manager();
    expect(m.get(child.id)).toMatchObject({ parentId: null, nextEscalationAt: clock.now() + 5 * MIN });
  });

  it('never leaves an open incident below level 3 without an active parent and without a deadline', () => {
    const m = manager();
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const hosts = ['a', 'b', 'c', 'zone:z', 'coordinator:k'];
    const problems: string[] = [];
    for (let n = 0; n < 600; n++) {
      const active = m.store.allActive();
      const pick = () => active[rnd(active.length)];
      const op = rnd(9);
      try {
        if (op === 0 || active.length === 0) {
          const h = hosts[rnd(hosts.length)]!;
          const p = pick();
          m.raise({ hostId: h, class: h.startsWith('coordinator:') ? 'observer_partition' : 'network_issue', confidence: 0.9, summary: 's', parentId: rnd(2) ? p?.id : null });
        } else if (op === 1) m.setParent(pick()!.id, pick()!.id, 'x');
        else if (op === 2) m.conditionClear(pick()!.id, 'x');
        else if (op === 3) m.conditionPresent(pick()!.id, 'x');
        else if (op === 4) m.escalate(pick()!.id, 'x');
        else if (op === 5) m.acknowledge(pick()!.id, 'x', '');
        else if (op === 6) m.resolve(pick()!.id, 'x', 'x');
        else clock.advance(rnd(4) * 30_000);
      } catch (err) {
        if (!(err instanceof IncidentConflictError)) throw err;
      }
      for (const i of m.store.allActive()) {
        const parent = i.parentId ? m.get(i.parentId) : undefined;
        if (i.state === 'open' && i.level < 3 && i.nextEscalationAt === null && (!parent || parent.state === 'resolved')) problems.push(`${n}: ${i.id}`);
      }
    }
    expect(problems).toEqual([]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM incidents WHERE parent_id IS NOT NULL").get()).not.toEqual({ n: 0 });
  });
});

describe('incidents - flapping', () => {
  const escalations = () => published.filter((p) => p.subject.startsWith('vigil.v1.escalation'));

  it('a host whose link comes and goes every 1.5 s for 20 s is one incident that says it flaps and escalates', () => {
    const m = manager({ settleMs: 2000 });
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 'h down' });
    for (let t = 0; t < 20_000; t += 1500) {
      clock.advance(750);
      m.conditionClear(incident.id, 'h back');
      clock.advance(750);
      expect(m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 'h down again' }).incident.id).toBe(incident.id);
    }
    expect(m.get(incident.id)!.flapping).toBe(true);
    const flap = m.store.timeline(incident.id).filter((t) => t.kind === 'flapping');
    expect(flap).toHaveLength(1);
    expect(flap[0]!.summary).toMatch(/flapping: condition changed 3 times within 600 s/);
    expect(published.find((p) => p.subject === 'vigil.v1.incident.updated.h')!.event.data).toMatchObject({ flapping: true });
    // Its deadline ran on through every clear moment: level 2 five minutes after it opened, then 3.
    clock.advance(5 * MIN - 20_000);
    expect(m.get(incident.id)!.level).toBe(2);
    clock.advance(5 * MIN);
    expect(escalations().map((p) => [p.subject, p.event.data.flapping])).toEqual([
      ['vigil.v1.escalation.l1.network_issue.h', false],
      ['vigil.v1.escalation.l2.network_issue.h', true],
      ['vigil.v1.escalation.l3.network_issue.h', true],
    ]);
    expect(m.store.list({ hostId: 'h' })).toHaveLength(1);
  });

  it('keeps escalating while flapping even when the deadline falls in a clear moment, and resolves only after a whole settle window clear', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    m.conditionClear(incident.id, 'back');
    clock.advance(10_000);
    m.conditionPresent(incident.id, 'down');
    clock.advance(10_000);
    m.conditionClear(incident.id, 'back');
    expect(m.get(incident.id)!.flapping).toBe(true);
    clock.advance(50_000);
    m.conditionPresent(incident.id, 'down');
    clock.advance(200_000);
    m.conditionClear(incident.id, 'back'); // at 4:30
    clock.advance(40_000); // the 5 min deadline passes while clear
    expect(m.get(incident.id)).toMatchObject({ level: 2, state: 'open' });
    clock.advance(19_000);
    expect(m.get(incident.id)!.state).toBe('open');
    clock.advance(2000);
    expect(m.get(incident.id)).toMatchObject({ state: 'resolved', resolvedBy: 'vigil', flapping: true });
  });

  it('a condition that came back only once is not flapping, and waits for its return to escalate', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    clock.advance(4 * MIN + 30_000);
    m.conditionClear(incident.id, 'back');
    clock.advance(40_000); // the deadline passes while clear: nobody is woken for a host that is back
    expect(m.get(incident.id)).toMatchObject({ level: 1, flapping: false });
    m.conditionPresent(incident.id, 'down again');
    clock.advance(1000); // the deadline was neither reset nor paused: it is due at once
    expect(m.get(incident.id)).toMatchObject({ level: 2, flapping: false });
  });

  it('an escalation that makes it flap already says so', () => {
    const m = manager({ flap: { changes: 4, windowMs: 10 * MIN } });
    const { incident } = m.raise({ hostId: 'h', service: 'api', class: 'service_failure', confidence: 0.9, summary: 's' });
    m.conditionClear(incident.id, 'running');
    m.conditionPresent(incident.id, 'failed');
    m.conditionClear(incident.id, 'running');
    expect(m.get(incident.id)!.flapping).toBe(false);
    published = [];
    m.escalate(incident.id, 'failure recurred after recovery');
    expect(m.get(incident.id)!.flapping).toBe(true);
    expect(published.find((p) => p.subject.startsWith('vigil.v1.escalation.l2'))!.event.data).toMatchObject({ flapping: true, level: 2 });
  });

  it('stops flapping once the condition has been steady for the flap window', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    m.conditionClear(incident.id, 'back');
    m.conditionPresent(incident.id, 'down');
    m.conditionClear(incident.id, 'back');
    m.conditionPresent(incident.id, 'down');
    expect(m.get(incident.id)!.flapping).toBe(true);
    clock.advance(9 * MIN);
    expect(m.get(incident.id)!.flapping).toBe(true);
    clock.advance(MIN + 1000);
    expect(m.get(incident.id)!.flapping).toBe(false);
    expect(m.store.timeline(incident.id).filter((t) => t.kind === 'flapping').map((t) => t.summary)[1]).toMatch(/stopped flapping: condition present/);
  });

  it('shows flapping in the API view fields', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    for (const f of [m.conditionClear, m.conditionPresent, m.conditionClear]) f.call(m, incident.id, 'x');
    expect(m.get(incident.id)).toMatchObject({ flapping: true, conditionChanges: [clock.now(), clock.now(), clock.now()] });
  });
});

describe('incidents - settle window', () => {
  it('resolves only after the condition has been clear for the whole window; present at any moment starts it over', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', service: 'api', class: 'service_failure', confidence: 0.9, summary: 's' });
    m.conditionClear(incident.id, 'running');
    clock.advance(59_000);
    m.conditionPresent(incident.id, 'failed');
    clock.advance(500);
    m.conditionClear(incident.id, 'running');
    clock.advance(59_000);
    expect(m.get(incident.id)!.state).toBe('open');
    clock.advance(1500);
    expect(m.get(incident.id)!.state).toBe('resolved');
  });

  it('a recurrence or exhausted recovery marks the condition present: no resolution right after the page', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', service: 'api', class: 'service_failure', confidence: 0.9, summary: 's' });
    m.conditionClear(incident.id, 'running');
    clock.advance(30_000);
    m.escalate(incident.id, 'failure recurred after recovery');
    expect(m.get(incident.id)).toMatchObject({ level: 2, clearSince: null });
    m.escalate(incident.id, 'failure recurred after recovery');
    expect(m.get(incident.id)!.level).toBe(3);
    m.conditionClear(incident.id, 'running');
    clock.advance(30_000);
    published = [];
    m.escalate(incident.id, 'automatic recovery exhausted on the host');
    expect(m.get(incident.id)).toMatchObject({ level: 3, clearSince: null, state: 'open' });
    expect(published).toEqual([]);
    clock.advance(45_000);
    expect(m.get(incident.id)!.state).toBe('open');
    expect(m.store.list({ hostId: 'h' })).toHaveLength(1);
  });

  it('an acknowledged incident that recurs is present again but wakes nobody', () => {
    const m = manager();
    const { incident } = m.raise({ hostId: 'h', service: 'api', class: 'service_failure', confidence: 0.9, summary: 's' });
    m.acknowledge(incident.id, 'alice', '');
    m.conditionClear(incident.id, 'running');
    published = [];
    m.escalate(incident.id, 'failure recurred after recovery');
    expect(m.get(incident.id)).toMatchObject({ level: 1, clearSince: null, state: 'acknowledged' });
    expect(published).toEqual([]);
  });
});

describe('incidents - log lines', () => {
  it("an escalation's log line keeps pino's numeric level and names the incident's incidentLevel", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    const m = manager({ log: pino({ level: 'info' }, sink) as unknown as Logger });
    const { incident } = m.raise({ hostId: 'h', class: 'network_issue', confidence: 0.9, summary: 's' });
    m.escalate(incident.id, 'recurrence');
    await new Promise((r) => setImmediate(r));
    const line = lines.find((l) => l.msg === 'incident escalated');
    expect(line).toMatchObject({ level: 40, incidentLevel: 2, incident: incident.id, host: 'h', class: 'network_issue' });
  });
});
