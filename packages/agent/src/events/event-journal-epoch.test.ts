import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_EPOCH_PATTERN } from '@vigil/shared';
import { tempDir } from '@vigil/testkit/temp-dir';
import { EventJournal } from './event-journal.js';

let dir: string;
const ev = (type: string) => ({ atMs: 1, service: 'web', type, step: '', detail: '', cause: '', requestId: '' });
let n = 0;
const ids = () => `epoch-${++n}`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-journal-epoch-'));
  n = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('event journal - epoch', () => {
  it('a new journal gets a random epoch, stored beside events.jsonl, kept across restarts', () => {
    const j = new EventJournal(dir);
    expect(j.epoch).toMatch(EVENT_EPOCH_PATTERN);
    expect(j.epoch.length).toBeGreaterThanOrEqual(16);
    expect(readFileSync(join(dir, 'events.epoch'), 'utf8').trim()).toBe(j.epoch);
    j.append(ev('a'));
    const again = new EventJournal(dir);
    expect(again.epoch).toBe(j.epoch);
    expect(again.append(ev('b')).eventSeq).toBe(2);
    expect(new EventJournal(tempDir('journal-epoch-other')).epoch).not.toBe(j.epoch);
  });

  it('a journal from before epochs gets one on upgrade and keeps its numbering and pending events', () => {
    writeFileSync(join(dir, 'events.jsonl'), [1, 2, 3].map((s) => JSON.stringify({ ...ev(`e${s}`), eventSeq: s })).join('\n') + '\n');
    writeFileSync(join(dir, 'events.ack'), '2\n');
    const logs: string[] = [];
    const j = new EventJournal(dir, { newEpoch: ids, log: { info: (_o: unknown, m: string) => logs.push(m), warn: () => {}, error: () => {} } as never });
    expect(j.epoch).toBe('epoch-1');
    expect(readFileSync(join(dir, 'events.epoch'), 'utf8')).toBe('epoch-1\n');
    expect(j.pendingAfter(0).map((e) => e.eventSeq)).toEqual([3]);
    expect(j.append(ev('d')).eventSeq).toBe(4);
    expect(logs.join()).toMatch(/before epochs/);
    expect(new EventJournal(dir, { newEpoch: ids }).epoch).toBe('epoch-1');
  });

  it('a lost data dir is a new journal: a new epoch, numbered from 1', () => {
    const first = new EventJournal(dir, { newEpoch: ids });
    for (let i = 0; i < 10; i++) first.append(ev(`e${i}`));
    rmSync(dir, { recursive: true, force: true });
    const fresh = new EventJournal(dir, { newEpoch: ids });
    expect(fresh.epoch).not.toBe(first.epoch);
    expect(fresh.append(ev('new')).eventSeq).toBe(1);
  });

  it('events wiped beside a kept epoch file: a new epoch from 1, the old ack forgotten', () => {
    const first = new EventJournal(dir, { newEpoch: ids });
    for (let i = 0; i < 5; i++) first.append(ev(`e${i}`));
    first.ack(5);
    unlinkSync(join(dir, 'events.jsonl'));
    const warns: string[] = [];
    const j = new EventJournal(dir, { newEpoch: ids, log: { info: () => {}, warn: (_o: unknown, m: string) => warns.push(m), error: () => {} } as never });
    expect(j.epoch).toBe('epoch-2');
    expect(j.lastAcked).toBe(0);
    expect(readFileSync(join(dir, 'events.ack'), 'utf8')).toBe('0\n');
    expect(j.append(ev('x')).eventSeq).toBe(1);
    expect(warns.join()).toMatch(/is gone beside its epoch file/);
  });

  it('an epoch file with garbage gets a new epoch; the events in the journal are kept and sent again', () => {
    const first = new EventJournal(dir, { newEpoch: ids });
    first.append(ev('a'));
    writeFileSync(join(dir, 'events.epoch'), 'not/an epoch!\n');
    const j = new EventJournal(dir, { newEpoch: ids });
    expect(j.epoch).toBe('epoch-2');
    expect(j.pendingAfter(0).map((e) => e.type)).toEqual(['a']);
  });

  it('welcome acks what the coordinator has and numbers past it (it may know events the file lost)', () => {
    const j = new EventJournal(dir);
    j.append(ev('a'));
    j.append(ev('b'));
    j.ack(1);
    j.welcome(1);
    expect(j.pendingAfter(0).map((e) => e.eventSeq)).toEqual([2]);
    const k = new EventJournal(dir);
    k.welcome(7); // 3..7 stored, then lost by an earlier process: new numbers go after them
    expect(k.pendingAfter(0).map((e) => e.eventSeq)).toEqual([]);
    expect(k.append(ev('c')).eventSeq).toBe(8);
    k.welcome(0);
    expect(k.append(ev('d')).eventSeq).toBe(9);
  });

  it('writes the epoch, the ack and the compacted file through a temporary file', () => {
    const j = new EventJournal(dir);
    for (let i = 0; i < 100; i++) j.append(ev(`e${i}`));
    j.ack(99);
    expect(existsSync(join(dir, 'events.ack.tmp'))).toBe(false);
    expect(existsSync(join(dir, 'events.jsonl.tmp'))).toBe(false);
    expect(readFileSync(join(dir, 'events.ack'), 'utf8')).toBe('99\n');
  });
});
