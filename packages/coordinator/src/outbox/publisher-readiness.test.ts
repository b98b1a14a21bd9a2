import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { holdsFor, waitFor } from '../../../../test/helpers/poll.js';
import { Readiness } from '../readiness.js';
import { openDb, type Db } from '../store/db.js';
import { OutboxStore } from '../store/outbox-store.js';
import { OutboxPublisher, type EventTransport } from './publisher.js';

/** A transport whose health the test sets: down, refusing every publish, or fine. */
class ScriptedTransport implements EventTransport {
  connected = true;
  failing: string | undefined;
  published: string[] = [];
  async publish(_subject: string, _payload: string, msgId: string): Promise<{ duplicate: boolean }> {
    if (this.failing) throw new Error(this.failing);
    this.published.push(msgId);
    return { duplicate: false };
  }
}

let dir: string;
let db: Db;
let outbox: OutboxStore;
let clock: FakeClock;
let readiness: Readiness;
let transport: ScriptedTransport;
let publisher: OutboxPublisher;
let lines: { level: number; msg: string }[];
/** Every publishFailing report, in order. */
let reports: (number | undefined)[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-publish-ready-'));
  db = openDb(dir);
  outbox = new OutboxStore(db);
  clock = new FakeClock(Date.parse('2026-12-03T08:00:00Z'));
  readiness = new Readiness(clock, 60_000);
  transport = new ScriptedTransport();
  lines = [];
  reports = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const log = pino({ level: 'info' }, sink);
  publisher = new OutboxPublisher(outbox, transport, clock, log, { batchSize: 16, retainPublishedMs: 3_600_000 }, undefined, {
    publishFailing: (since) => {
      reports.push(since);
      readiness.publishFailing(since);
    },
    publishOverdue: () => readiness.publishOverdue(),
    storeFailed: (err) => readiness.storeFailed(err),
    storeOk: () => readiness.storeOk(),
  });
  publisher.start();
});

afterEach(async () => {
  await publisher.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function add(n: number): void {
  for (let i = 0; i < n; i++) outbox.add(`ev-${i}`, `vigil.v1.test.e.h${i}`, '{}', clock.now());
  publisher.kick();
}

const failures = () => lines.filter((l) => l.msg.startsWith('publishing events failed')).length;

describe('outbox publisher - readiness', () => {
  it('turns not ready when every publish fails beyond the grace, and ready again once events go out', async () => {
    transport.failing = 'nats: stream subjects overlap';
    add(40);
    await waitFor(() => failures() >= 2, { timeoutMs: 5000 });
    // Within the grace: a NATS hiccup is not an outage.
    clock.advance(60_000);
    expect(readiness.check()).toEqual({ ready: true });
    clock.advance(1000);
    expect(readiness.check()).toEqual({ ready: false, reasons: [expect.stringMatching(/^events not published for 61s/)] });
    // One warn line per failed batch (backoff step), not one per event; one error once overdue.
    await waitFor(() => lines.some((l) => l.level === 50), { timeoutMs: 10_000 });
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
    expect(failures()).toBeLessThan(40);
    expect(lines.filter((l) => l.msg.startsWith('publishing events failed')).every((l) => l.level === 40)).toBe(true);

    transport.failing = undefined;
    publisher.kick();
    await waitFor(() => outbox.depth() === 0, { timeoutMs: 10_000 });
    await waitFor(() => readiness.check().ready, { timeoutMs: 5000 });
    expect(transport.published).toHaveLength(40);
    expect(lines.some((l) => l.msg === 'events are published again')).toBe(true);
  });

  it('publishes a batch once while the store refuses to mark it (disk full), retries only the mark, and marks it once the store writes', async () => {
    for (let i = 0; i < 5; i++) outbox.add(`ev-${i}`, `vigil.v1.test.e.h${i}`, '{}', clock.now());
    // A store that refuses writes, as on a full disk: the rows are readable, not markable.
    db.pragma('query_only = ON');
    publisher.kick();
    await waitFor(() => transport.published.length === 5 && !readiness.check().ready, { timeoutMs: 5000, what: 'the batch published and the mark refused' });
    expect(readiness.check()).toEqual({ ready: false, reasons: [expect.stringMatching(/^store cannot write since .*readonly/)] });
    // Several mark retries (100, 200, 400, 800 ms apart), and not one publish more: past
    // JetStream's duplicate window a second publish would be a duplicate in the stream.
    await holdsFor(() => transport.published.length === 5, { durationMs: 1600, what: 'no publish again' });
    expect(outbox.depth()).toBe(5);
    db.pragma('query_only = OFF');
    await waitFor(() => outbox.depth() === 0 && readiness.check().ready, { timeoutMs: 10_000, what: 'the batch marked once the store writes' });
    expect(transport.published).toEqual(['ev-0', 'ev-1', 'ev-2', 'ev-3', 'ev-4']);
    expect(failures()).toBe(0);
  });

  it('turns not ready while NATS is down with events waiting beyond the grace', async () => {
    transport.connected = false;
    add(3);
    // The publisher notices waiting events on its next look at the outbox.
    await waitFor(() => reports.includes(clock.now()), { timeoutMs: 5000 });
    clock.advance(61_000);
    expect(readiness.check().ready).toBe(false);
    transport.connected = true;
    publisher.kick();
    await waitFor(() => readiness.check().ready && outbox.depth() === 0, { timeoutMs: 5000 });
  });

  it('stays ready with NATS down while nothing waits to be published', async () => {
    transport.connected = false;
    publisher.kick();
    await waitFor(() => reports.length >= 1, { timeoutMs: 5000 });
    clock.advance(3_600_000);
    expect(reports.every((r) => r === undefined)).toBe(true);
    expect(readiness.check()).toEqual({ ready: true });
  });
});
