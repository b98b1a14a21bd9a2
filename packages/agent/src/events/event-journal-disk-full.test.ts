import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { EventJournal, type JournalLog } from './event-journal.js';
import { nodeJournalFs, type JournalFs } from './journal-fs.js';

let dir: string;
const ev = (type: string) => ({ atMs: 1, service: 'web', type, step: '', detail: '', cause: '', requestId: '' });
const seqsOnDisk = (d: string) =>
  readFileSync(join(d, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { eventSeq: number }).eventSeq);

function recorder(): { log: JournalLog; lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_obj: unknown, msg: string) => lines.push({ level, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } as unknown as JournalLog };
}

/** The real file system, except that while `full` every write fails with ENOSPC, after writing half of an append. */
function fullableFs(): JournalFs & { full: boolean } {
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const fs = {
    ...nodeJournalFs,
    full: false,
    append(path: string, data: string) {
      if (!fs.full) return nodeJournalFs.append(path, data);
      nodeJournalFs.append(path, data.slice(0, Math.floor(data.length / 2)));
      throw enospc();
    },
    write(path: string, data: string) {
      if (fs.full) throw enospc();
      nodeJournalFs.write(path, data);
    },
  };
  return fs;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-journal-full-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('event journal - full disk', () => {
  it('holds events in memory, sends them, writes them when space returns (on the next append), warns once per episode', () => {
    const fs = fullableFs();
    const { log, lines } = recorder();
    const j = new EventJournal(dir, { fs, log, clock: new FakeClock() });
    j.append(ev('a'));
    fs.full = true;
    const b = j.append(ev('b'));
    const c = j.append(ev('c'));
    expect([b.eventSeq, c.eventSeq]).toEqual([2, 3]);
    expect(j.heldCount).toBe(2);
    expect(j.pendingAfter(0).map((e) => e.type)).toEqual(['a', 'b', 'c']); // sent like any event
    expect(seqsOnDisk(dir)).toEqual([1]); // the half-written line was cut back
    const warns = lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(1);
    expect(warns[0]!.msg).toBe('journal cannot write: ENOSPC: no space left on device, write; 1 events held in memory');
    fs.full = false;
    j.append(ev('d'));
    expect(j.heldCount).toBe(0);
    expect(seqsOnDisk(dir)).toEqual([1, 2, 3, 4]);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(lines.filter((l) => /writes again/.test(l.msg))).toHaveLength(1);
    // The file is whole: a restart finds every event, no damage.
    const again = new EventJournal(dir);
    expect(again.damagedLines).toEqual([]);
    expect(again.pendingAfter(0).map((e) => e.eventSeq)).toEqual([1, 2, 3, 4]);
  });

  it('retries on a timer while nothing else happens', () => {
    const fs = fullableFs();
    const clock = new FakeClock();
    const j = new EventJournal(dir, { fs, clock, retryMs: 5000 });
    fs.full = true;
    j.append(ev('a'));
    clock.advance(5000);
    expect(j.heldCount).toBe(1);
    fs.full = false;
    clock.advance(5000);
    expect(j.heldCount).toBe(0);
    expect(seqsOnDisk(dir)).toEqual([1]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('the memory queue is bounded; overflow is counted and reported on recovery', () => {
    const fs = fullableFs();
    const { log, lines } = recorder();
    const j = new EventJournal(dir, { fs, log, maxHeld: 3, clock: new FakeClock() });
    fs.full = true;
    for (let i = 1; i <= 5; i++) j.append(ev(`e${i}`));
    expect(j.heldCount).toBe(3);
    expect(j.heldDroppedCount).toBe(2);
    expect(j.pendingAfter(0).map((e) => e.eventSeq)).toEqual([3, 4, 5]);
    expect(lines.filter((l) => l.level === 'warn' && /3 events are held in memory: dropping the oldest/.test(l.msg))).toHaveLength(1);
    fs.full = false;
    expect(j.retry()).toBe(true);
    expect(seqsOnDisk(dir)).toEqual([3, 4, 5]);
    expect(lines.at(-1)).toMatchObject({ level: 'warn', msg: 'journal writes again; 2 events were dropped from memory while it could not' });
  });

  it('acks never throw on a full disk; acked held events need not be written; the ack is written later', () => {
    const fs = fullableFs();
    const j = new EventJournal(dir, { fs, clock: new FakeClock() });
    j.append(ev('a'));
    fs.full = true;
    j.append(ev('b'));
    expect(() => j.ack(2)).not.toThrow();
    expect(j.heldCount).toBe(0);
    expect(existsSync(join(dir, 'events.ack'))).toBe(false); // nothing half-written in its place
    fs.full = false;
    j.retry();
    expect(readFileSync(join(dir, 'events.ack'), 'utf8')).toBe('2\n');
    expect(new EventJournal(dir).append(ev('c')).eventSeq).toBe(3);
  });

  it('events held in memory, stored by the coordinator, then lost with the process: the next process renumbers its first events after them', () => {
    const fs = fullableFs();
    const first = new EventJournal(dir, { fs, clock: new FakeClock() });
    first.append(ev('a'));
    fs.full = true;
    first.append(ev('b')); // 2 and 3: sent and stored by the coordinator, never on disk
    first.append(ev('c'));
    first.close();
    fs.full = false;
    const { log, lines } = recorder();
    const next = new EventJournal(dir, { fs, log, clock: new FakeClock() });
    expect(next.append(ev('seen at start')).eventSeq).toBe(2); // the number given out again
    next.welcome(3);
    expect(next.pendingAfter(3).map((e) => [e.eventSeq, e.type])).toEqual([[4, 'seen at start']]);
    expect(next.append(ev('later')).eventSeq).toBe(5);
    expect(lines.filter((l) => l.level === 'warn' && /renumbered from 4/.test(l.msg))).toHaveLength(1);
    // On disk too: a restart finds the new numbers, nothing damaged, nothing lost.
    const again = new EventJournal(dir);
    expect(again.pendingAfter(0).map((e) => [e.eventSeq, e.type])).toEqual([
      [4, 'seen at start'],
      [5, 'later'],
    ]);
    expect([again.damagedLines, again.lostSeqs]).toEqual([[], []]);
    // A later Welcome (a reconnect) renumbers nothing.
    again.welcome(4);
    expect(again.pendingAfter(0).map((e) => e.eventSeq)).toEqual([5]);
  });

  it('a journal created on a full disk works from memory and saves its epoch when space returns', () => {
    const fs = fullableFs();
    fs.full = true;
    const j = new EventJournal(join(dir, 'new'), { fs, clock: new FakeClock() });
    expect(j.append(ev('a')).eventSeq).toBe(1);
    fs.full = false;
    j.retry();
    expect(readFileSync(join(dir, 'new', 'events.epoch'), 'utf8').trim()).toBe(j.epoch);
    expect(seqsOnDisk(join(dir, 'new'))).toEqual([1]);
  });

  it('on a real full tmpfs (needs root to mount one): nothing thrown, nothing lost, written when space returns', (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip('mounting a tmpfs needs root');
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (err) {
      ctx.skip(`cannot mount a tmpfs here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
    }
    try {
      const { log, lines } = recorder();
      const j = new EventJournal(join(mnt, 'events'), { log, clock: new FakeClock() });
      j.append(ev('before'));
      // Fill the file system to the last byte.
      const filler = join(mnt, 'filler');
      const fd = openSync(filler, 'w');
      try {
        const block = Buffer.alloc(4096, 1);
        for (;;) writeSync(fd, block);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      const held = [];
      for (let i = 0; i < 50; i++) held.push(j.append({ ...ev('while_full'), detail: 'x'.repeat(500) }));
      expect(j.heldCount).toBeGreaterThan(0);
      expect(j.pendingAfter(0)).toHaveLength(51);
      expect(lines.filter((l) => l.level === 'warn' && /journal cannot write: ENOSPC/.test(l.msg))).toHaveLength(1);
      unlinkSync(filler);
      j.append(ev('after'));
      expect(j.heldCount).toBe(0);
      expect(seqsOnDisk(join(mnt, 'events'))).toEqual(Array.from({ length: 52 }, (_, i) => i + 1));
      expect(new EventJournal(join(mnt, 'events')).damagedLines).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
