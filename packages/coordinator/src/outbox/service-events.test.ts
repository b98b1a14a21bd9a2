import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentEventStore } from '../store/agent-event-store.js';
import { openDb, type Db } from '../store/db.js';
import { OutboxStore } from '../store/outbox-store.js';
import { serviceEvent, subjectToken } from './service-events.js';

let dir: string;
let db: Db;
let outbox: OutboxStore;
let events: AgentEventStore;
let failNext = false;

const ev = (eventSeq: number, type = 'recovery_started') => ({ eventSeq, atMs: 1_000 + eventSeq, service: 'web', type, step: 'step_1_graceful_restart', detail: 'd', cause: 'crash', requestId: '' });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-service-events-'));
  db = openDb(dir);
  db.exec(`INSERT INTO hosts (id, state, state_since, interval_ms, first_seen) VALUES ('web-1.example.com', 'online', 1, 1000, 1)`);
  outbox = new OutboxStore(db, { publishes: false });
  events = new AgentEventStore(db, {
    stored: (e) => {
      const { subject, event } = serviceEvent(e, 'vigil-coordinator/c1', 'http://api');
      outbox.add(event.id, subject, JSON.stringify(event), e.receivedAt);
      if (failNext) throw new Error('disk full');
    },
  });
  failNext = false;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('service events', () => {
  it('service events - a stored agent event is an outbox event on vigil.v1.service.<type>.<host>; a replay makes none', () => {
    events.insertEvent('web-1.example.com', 'ep1', ev(1), 5_000);
    events.insertEvent('web-1.example.com', 'ep1', ev(1), 5_100);
    const rows = outbox.after(0, 10);
    expect(rows.map((r) => r.subject)).toEqual(['vigil.v1.service.recovery_started.web-1_example_com']);
    const e = JSON.parse(rows[0]!.payload);
    expect(e).toMatchObject({
      type: 'vigil.v1.service.recovery_started',
      subject: 'web-1.example.com',
      data: { hostId: 'web-1.example.com', service: 'web', type: 'recovery_started', step: 'step_1_graceful_restart', epoch: 'ep1', eventSeq: 1, receivedAt: new Date(5_000).toISOString(), url: 'http://api/v1/hosts/web-1.example.com' },
    });
    expect(rows[0]!.createdAt).toBe(5_000);
  });

  it('service events - the agent event and its outbox event commit together or not at all', () => {
    failNext = true;
    expect(() => events.insertEvent('web-1.example.com', 'ep1', ev(1), 5_000)).toThrow('disk full');
    expect(outbox.after(0, 10)).toEqual([]);
    expect(events.lastEventSeq('web-1.example.com', 'ep1')).toBe(0);
  });

  it('service events - agent-chosen types become one safe subject token', () => {
    expect(subjectToken('step_failed')).toBe('step_failed');
    expect(subjectToken('a.b *>c')).toBe('a_b___c');
    expect(subjectToken('')).toBe('_');
  });
});
