import { mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventJournal } from './event-journal.js';

let dir: string;
const ev = (type: string) => ({ atMs: 1, service: 'web', type, step: '', detail: '', cause: '', requestId: '' });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('event journal - durability', () => {
  it('numbers events from 1 and keeps them until acknowledged', () => {
    const j = new EventJournal(dir);
    expect([j.append(ev('a')).eventSeq, j.append(ev('b')).eventSeq, j.append(ev('c')).eventSeq]).toEqual([1, 2, 3]);
    j.ack(2);
    expect(j.pendingAfter(0).map((e) => e.type)).toEqual(['c']);
  });

  it('survives a restart: unacked events come back and numbering continues', () => {
    const j = new EventJournal(dir);
    j.append(ev('a'));
    j.append(ev('b'));
    j.ack(1);
    const again = new EventJournal(dir);
    expect(again.pendingAfter(0).map((e) => [e.eventSeq, e.type])).toEqual([[2, 'b']]);
    expect(again.append(ev('c')).eventSeq).toBe(3);
  });

  it('replays only what the coordinator does not have', () => {
    const j = new EventJournal(dir);
    for (const t of ['a', 'b', 'c', 'd']) j.append(ev(t));
    expect(j.pendingAfter(2).map((e) => e.eventSeq)).toEqual([3, 4]);
  });

  it('drops a torn last line left by a crash', () => {
    const j = new EventJournal(dir);
    j.append(ev('a'));
    appendFileSync(join(dir, 'events.jsonl'), '{"eventSeq": 2, "ty');
    const again = new EventJournal(dir);
    expect(again.pendingAfter(0).map((e) => e.eventSeq)).toEqual([1]);
    expect(again.append(ev('b')).eventSeq).toBe(2);
  });

  it('is bounded while the coordinator is away, counting what it dropped', () => {
    const j = new EventJournal(dir, { maxEvents: 3 });
    for (let i = 0; i < 5; i++) j.append(ev(`e${i}`));
    expect(j.pending).toBe(3);
    expect(j.droppedCount).toBe(2);
    expect(j.pendingAfter(0)[0]!.eventSeq).toBe(3);
  });

  it('compacts the file once most of it is acknowledged', () => {
    const j = new EventJournal(dir);
    for (let i = 0; i < 100; i++) j.append(ev(`e${i}`));
    j.ack(99);
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(new EventJournal(dir).append(ev('next')).eventSeq).toBe(101);
  });
});
