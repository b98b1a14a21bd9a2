import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventJournal, type JournalLog } from './event-journal.js';
import { parseJournal } from './journal-parse.js';

let dir: string;
const ev = (type: string) => ({ atMs: 1000, service: 'web', type, step: '', detail: '', cause: '', requestId: '' });
const line = (seq: number) => JSON.stringify({ ...ev(`e${seq}`), atMs: 1000 + seq, eventSeq: seq });

interface Logged {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}
function recorder(): { log: JournalLog; lines: Logged[] } {
  const lines: Logged[] = [];
  const at = (level: Logged['level']) => (obj: Record<string, unknown>, msg: string) => lines.push({ level, obj, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } as unknown as JournalLog };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-journal-damage-'));
  new EventJournal(dir); // a journal with its epoch
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('event journal - damaged lines', () => {
  it('a torn last line is skipped quietly (info) and its number given out again', () => {
    appendFileSync(join(dir, 'events.jsonl'), `${line(1)}\n${line(2)}\n{"eventSeq": 3, "ty`);
    const { log, lines } = recorder();
    const j = new EventJournal(dir, { log });
    expect(j.pendingAfter(0).map((e) => e.eventSeq)).toEqual([1, 2]);
    expect(j.damagedLines).toEqual([]);
    expect(lines.map((l) => l.level)).toEqual(['info']);
    expect(lines[0]!.msg).toMatch(/torn last line/);
    expect(j.append(ev('next')).eventSeq).toBe(3);
  });

  it('the next append cuts a torn last line first, so it never becomes a damaged line in the middle', () => {
    appendFileSync(join(dir, 'events.jsonl'), `${line(1)}\n{"eventSeq": 2, "ty`);
    new EventJournal(dir).append(ev('b'));
    const { log, lines } = recorder();
    const again = new EventJournal(dir, { log });
    expect(lines).toEqual([]);
    expect(again.pendingAfter(0).map((e) => [e.eventSeq, e.type])).toEqual([
      [1, 'e1'],
      [2, 'b'],
    ]);
  });

  it('a last line without its newline gets one before the next append', () => {
    appendFileSync(join(dir, 'events.jsonl'), line(1));
    new EventJournal(dir).append(ev('b'));
    const again = new EventJournal(dir);
    expect(again.damagedLines).toEqual([]);
    expect(again.pendingAfter(0).map((e) => e.eventSeq)).toEqual([1, 2]);
  });

  it('a torn last line followed by blank lines is still the last line', () => {
    appendFileSync(join(dir, 'events.jsonl'), `${line(1)}\n\u0000\u0000\u0000\n\n`);
    const { log, lines } = recorder();
    const j = new EventJournal(dir, { log });
    expect(j.damagedLines).toEqual([]);
    expect(lines.every((l) => l.level === 'info')).toBe(true);
  });

  it('a damaged line in the middle is reported at error with file and line, counted, and its event sent as event_lost', () => {
    appendFileSync(join(dir, 'events.jsonl'), `${line(1)}\n${line(2)}\n{"eventSeq":3,"atMs":\u0000\u0000garbage\n${line(4)}\n`);
    const { log, lines } = recorder();
    const j = new EventJournal(dir, { log });
    const file = join(dir, 'events.jsonl');
    expect(j.damagedLines).toHaveLength(1);
    expect(j.damagedLines[0]).toContain(`${file} line 3`);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(String(errors[0]!.obj.problem)).toContain(`${file} line 3`);
    const pending = j.pendingAfter(0);
    expect(pending.map((e) => [e.eventSeq, e.type])).toEqual([
      [1, 'e1'],
      [2, 'e2'],
      [3, 'event_lost'],
      [4, 'e4'],
    ]);
    expect(pending[2]!.detail).toBe(`event 3 is lost: the agent's journal ${file} had damaged line 3 where it was`);
    expect(pending[2]!.atMs).toBe(1002); // the time of the event before it
    expect(j.lostSeqs).toEqual([3]);
    expect(j.append(ev('next')).eventSeq).toBe(5);
  });

  it('only missing numbers above the ack get markers; a damaged first line after the ack is placed too', () => {
    writeFileSync(join(dir, 'events.ack'), '5\n');
    appendFileSync(join(dir, 'events.jsonl'), `${line(4)}\n${line(5)}\nxx\n${line(7)}\n`);
    const j = new EventJournal(dir);
    expect(j.pendingAfter(0).map((e) => [e.eventSeq, e.type])).toEqual([
      [6, 'event_lost'],
      [7, 'e7'],
    ]);
  });

  it('a line the contract refuses (eventSeq 1e300) between two good ones is reported and its number marked lost', () => {
    appendFileSync(join(dir, 'events.jsonl'), `${line(1)}\n{"eventSeq":1e300,"atMs":1,"service":"","type":"x","step":"","detail":"","cause":"","requestId":""}\n${line(3)}\n`);
    const j = new EventJournal(dir);
    expect(j.refusedLines).toHaveLength(1);
    expect(j.pendingAfter(0).map((e) => e.type)).toEqual(['e1', 'event_lost', 'e3']);
  });

  it('a line written twice (an append retried after a partial write) is sent once', () => {
    const p = parseJournal(`${line(1)}\n${line(2)}\n${line(2)}\n${line(3)}\n`, 0, 'f', 0);
    expect(p.events.map((e) => e.eventSeq)).toEqual([1, 2, 3]);
    expect(p.lost).toEqual([]);
  });

  it('markers are bounded; the coordinator sees the rest as a gap', () => {
    const p = parseJournal(`${line(1)}\n${line(5000)}\n`, 0, 'f', 0);
    expect(p.lost).toHaveLength(1000);
    expect(p.events).toHaveLength(1002);
    expect(p.maxSeq).toBe(5000);
  });

  it('any text at all: never throws; events come out in order, each number once, markers only above the ack', () => {
    // A seeded generator (mulberry32): the same 2,000 inputs on every run.
    let state = 0x5eed;
    const rnd = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pieces = [() => line(1 + Math.floor(rnd() * 40)), () => '{"eventSeq":', () => '\n', () => '\u0000\u0000', () => 'null', () => '[]', () => '{"eventSeq":-1}', () => JSON.stringify({ ...ev('x'), eventSeq: 1e300 }), () => String.fromCharCode(Math.floor(rnd() * 0x3000))];
    for (let i = 0; i < 2000; i++) {
      let text = '';
      for (let k = Math.floor(rnd() * 30); k > 0; k--) text += pieces[Math.floor(rnd() * pieces.length)]!() + (rnd() < 0.7 ? '\n' : '');
      const acked = Math.floor(rnd() * 10);
      const p = parseJournal(text, acked, 'f', 5);
      const seqs = p.events.map((e) => e.eventSeq);
      expect(seqs, text).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      expect(seqs.every((s) => s > acked && s <= p.maxSeq), text).toBe(true);
      expect(p.lost.every((s) => s > acked && s < p.maxSeq), text).toBe(true);
      // Between the ack and the last number, nothing is missing: every number is an event or a marker.
      if (seqs.length > 0 && p.lost.length < 1000) expect(seqs, text).toEqual(Array.from({ length: seqs.at(-1)! - acked }, (_, k) => acked + 1 + k));
    }
  });
});
