import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentEventStore } from './agent-event-store.js';
import { openDb } from './db.js';
import { MIGRATIONS } from './migrations.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-mig10-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ev = (eventSeq: number) => ({ eventSeq, atMs: eventSeq, service: 'web', type: 'status_changed', step: '', detail: `e${eventSeq}`, cause: '', requestId: '' });

describe('migration 10 - event epochs', () => {
  it('keeps the events stored before it, as epoch "", with their last sequence number', () => {
    // A store as version 9 left it, with events of one host.
    const old = new Database(join(dir, 'vigil.db'));
    old.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (9)');
    for (const m of MIGRATIONS.filter((x) => x.version <= 9)) old.exec(m.sql);
    old.exec(`INSERT INTO hosts (id, state, state_since, interval_ms, first_seen, last_event_seq) VALUES ('web-1', 'online', 1, 1000, 1, 2)`);
    old.exec(`INSERT INTO agent_events (host_id, event_seq, at, service, type, step, detail, cause, request_id, received_at, time_to_serving_ms)
      VALUES ('web-1', 1, 1, 'web', 'recovery_started', '', 'a', '', '', 1, 0), ('web-1', 2, 2, 'web', 'recovery_succeeded', '', 'b', '', '', 2, 1500)`);
    old.close();

    const db = openDb(dir);
    const store = new AgentEventStore(db);
    expect(store.recent('web-1').map((e) => [e.epoch, e.eventSeq, e.type, e.timeToServingMs])).toEqual([
      ['', 2, 'recovery_succeeded', 1500],
      ['', 1, 'recovery_started', undefined],
    ]);
    expect(store.lastEventSeq('web-1', '')).toBe(2);
    // The same numbers in a new epoch are new events.
    expect(store.lastEventSeq('web-1', 'new-journal')).toBe(0);
    expect(store.insertEvent('web-1', 'new-journal', ev(1), 10)).toMatchObject({ fresh: true, last: 1, gap: undefined });
    expect(store.insertEvent('web-1', 'new-journal', ev(1), 11)).toMatchObject({ fresh: false, last: 1 });
    expect(store.lastEventSeq('web-1', 'new-journal')).toBe(1);
    expect(store.lastEventSeq('web-1', '')).toBe(2);
    // Events still go with their host.
    db.exec("DELETE FROM hosts WHERE id = 'web-1'");
    expect(db.prepare('SELECT COUNT(*) AS n FROM agent_events').get()).toEqual({ n: 0 });
    db.close();
  });
});
