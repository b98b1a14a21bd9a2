import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test-fixtures/helpers.js';
import { LineSplitter } from './line-splitter.js';
import { FakeClock } from '@vigil/shared';
import { FileTailer, type DirWatch, type TailerOptions, type TailReset } from './tailer.js';

let dir: string;
let tailers: FileTailer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-tail-'));
});
afterEach(async () => {
  await Promise.all(tailers.map((t) => t.stop()));
  tailers = [];
  rmSync(dir, { recursive: true, force: true });
});

/** A tailer whose bytes go through a real splitter into `lines`. */
function follow(path: string, options: TailerOptions = {}) {
  const lines: string[] = [];
  const resets: TailReset[] = [];
  const splitter = new LineSplitter();
  const sink = { admit: () => true, line: (text: string) => lines.push(text), discarded: () => undefined };
  const tailer = new FileTailer(
    path,
    {
      data: (chunk) => splitter.push(chunk, sink),
      reset: (event) => {
        resets.push(event);
        if (event.type === 'skipped') splitter.resync(sink, event.midLine);
        else splitter.flush(sink);
      },
    },
    { pollIntervalMs: 50, ...options },
  );
  tailers.push(tailer);
  return { tailer, lines, resets };
}

describe('tailer - position', () => {
  it('starts at the end: lines already in the file are ignored, appended ones are read', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, 'old 1\nold 2\n');
    const { tailer, lines } = follow(path);
    await tailer.start();
    appendFileSync(path, 'new 1\nnew 2\n');
    await eventually(() => expect(lines).toEqual(['new 1', 'new 2']));
    appendFileSync(path, 'new 3\n');
    await eventually(() => expect(lines).toEqual(['new 1', 'new 2', 'new 3']));
  });

  it('reads a file that does not exist at start from its beginning once it appears', async () => {
    const path = join(dir, 'later.log');
    const { tailer, lines } = follow(path);
    await tailer.start();
    expect(tailer.stats().open).toBe(false);
    writeFileSync(path, 'first\nsecond\n');
    await eventually(() => expect(lines).toEqual(['first', 'second']));
  });

  it('joins a line written in pieces', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, '');
    const { tailer, lines } = follow(path);
    await tailer.start();
    appendFileSync(path, 'hel');
    await eventually(() => expect(tailer.stats().bytesRead).toBe(3));
    appendFileSync(path, 'lo\nwor');
    await eventually(() => expect(tailer.stats().bytesRead).toBe(9));
    expect(lines).toEqual(['hello']);
    appendFileSync(path, 'ld\n');
    await eventually(() => expect(lines).toEqual(['hello', 'world']));
  });

  it('follows by polling alone when change notifications are off', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, 'old\n');
    const { tailer, lines } = follow(path, { watch: false });
    await tailer.start();
    appendFileSync(path, 'polled\n');
    await eventually(() => expect(lines).toEqual(['polled']));
  });
});

describe('tailer - rotation', () => {
  it('by rename: reads the old file to its end, then the new file from its start', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, 'before start\n');
    const { tailer, lines, resets } = follow(path);
    await tailer.start();
    appendFileSync(path, 'one\n');
    await eventually(() => expect(lines).toEqual(['one']));
    // All synchronous: the tailer cannot run in between, so these lines are unread at the rename.
    appendFileSync(path, 'written just before the rename\nand an unterminated last line');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'first in the new file\n');
    appendFileSync(path, 'second in the new file\n');
    await eventually(() =>
      expect(lines).toEqual(['one', 'written just before the rename', 'and an unterminated last line', 'first in the new file', 'second in the new file']),
    );
    expect(resets).toEqual([{ type: 'rotated' }]);
    expect(tailer.stats().rotations).toBe(1);
    // The old file is let go: writing to it is not followed any more.
    appendFileSync(`${path}.1`, 'late write to the old file\n');
    appendFileSync(path, 'third\n');
    await eventually(() => expect(lines.at(-1)).toBe('third'));
    expect(lines).not.toContain('late write to the old file');
  });

  it('by copy-truncate: restarts at the beginning when the file shrinks', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, 'x'.repeat(100) + '\n');
    const { tailer, lines, resets } = follow(path);
    await tailer.start();
    appendFileSync(path, 'a line before the copy\nanother\n');
    await eventually(() => expect(lines).toEqual(['a line before the copy', 'another']));
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    appendFileSync(path, 'after\n');
    await eventually(() => expect(lines).toEqual(['a line before the copy', 'another', 'after']));
    expect(resets).toEqual([{ type: 'truncated' }]);
    expect(tailer.stats()).toMatchObject({ truncations: 1, rotations: 0 });
  });

  it('survives the path vanishing for a while', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, '');
    const { tailer, lines } = follow(path);
    await tailer.start();
    renameSync(path, `${path}.1`);
    appendFileSync(`${path}.1`, 'still followed while nothing replaces it\n');
    await eventually(() => expect(lines).toEqual(['still followed while nothing replaces it']));
    writeFileSync(path, 'new file\n');
    await eventually(() => expect(lines).toEqual(['still followed while nothing replaces it', 'new file']));
  });
});

describe('tailer - backlog', () => {
  it('jumps to the end when too far behind, counts the skipped bytes and resumes on a whole line', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, '');
    const { tailer, lines, resets } = follow(path, { maxReadBytesPerSecond: 4096, maxBacklogBytes: 8192, watch: false });
    await tailer.start();
    const burst = 'flood line\n'.repeat(2000); // 22,000 bytes, beyond the backlog limit
    appendFileSync(path, burst);
    await eventually(() => expect(resets.length).toBe(1));
    expect(resets[0]).toEqual({ type: 'skipped', bytes: burst.length, midLine: false });
    expect(tailer.stats().skippedBytes).toBe(burst.length);
    appendFileSync(path, 'after the flood\n');
    await eventually(() => expect(lines).toEqual(['after the flood']));
  });
});

describe('tailer - poll pace', () => {
  /** Notifications the test gives by hand: it decides which changes are announced. */
  function handWatch() {
    const watches: { onChange: (file: string | null) => void; onError: (err: Error) => void; closed: boolean; close(): void }[] = [];
    const watchDir: DirWatch = (_dir, onChange, onError) => {
      const w = { onChange, onError, closed: false, close: () => void (w.closed = true) };
      watches.push(w);
      return w;
    };
    const notify = (file = 'app.log') => watches.at(-1)!.onChange(file);
    return { watchDir, watches, notify };
  }

  async function paced() {
    const path = join(dir, 'app.log');
    writeFileSync(path, 'old\n');
    const clock = new FakeClock();
    const w = handWatch();
    const t = follow(path, { clock, watchDir: w.watchDir, pollIntervalMs: 250, watchedPollIntervalMs: 2000 });
    await t.tailer.start();
    /** Moves the clock and waits for the pass it started. */
    const after = async (ms: number) => {
      clock.advance(ms);
      await t.tailer.idle();
    };
    const write = async (text: string, announce: boolean) => {
      appendFileSync(path, text);
      if (announce) w.notify();
      await t.tailer.idle();
    };
    return { ...t, ...w, after, write };
  }

  it('polls slowly while notifications announce every change; fast after one went unannounced, with the watch started again', async () => {
    const t = await paced();
    expect(t.tailer.stats()).toMatchObject({ pace: 'trusted', watchMisses: 0 });
    await t.write('announced\n', true);
    expect(t.lines).toEqual(['announced']);

    // Unannounced: the fast poll would have found it by now, the slow one has not come yet.
    await t.write('quiet\n', false);
    await t.after(250);
    await t.after(1500);
    expect(t.lines).toEqual(['announced']);
    await t.after(250);
    expect(t.lines).toEqual(['announced', 'quiet']);

    // No notification followed before the next tick: a miss. The watch starts again.
    await t.after(2000);
    expect(t.tailer.stats()).toMatchObject({ pace: 'doubted', watchMisses: 1 });
    expect(t.watches.map((w) => w.closed)).toEqual([true, false]);
    await t.write('fast\n', false);
    await t.after(250);
    expect(t.lines).toEqual(['announced', 'quiet', 'fast']);

    // A miss while doubted is counted but does not restart the watch again.
    await t.after(250);
    expect(t.tailer.stats()).toMatchObject({ pace: 'doubted', watchMisses: 2 });
    expect(t.watches).toHaveLength(2);

    // Three announced changes in a row: trusted again, slow again.
    for (const line of ['n1', 'n2']) await t.write(`${line}\n`, true);
    expect(t.tailer.stats().pace).toBe('doubted');
    await t.write('n3\n', true);
    expect(t.tailer.stats().pace).toBe('trusted');
    await t.after(250); // the poll already due at the fast pace; the next one is slow
    await t.write('late\n', false);
    await t.after(250);
    await t.after(250);
    expect(t.lines.at(-1)).toBe('n3');
    await t.after(1500);
    expect(t.lines.at(-1)).toBe('late');
  });

  it('a write that races the poll is not a miss: its notification comes after the poll read it', async () => {
    const t = await paced();
    await t.write('raced\n', false);
    await t.after(2000);
    expect(t.lines).toEqual(['raced']);
    t.notify();
    await t.tailer.idle();
    await t.after(2000);
    expect(t.tailer.stats()).toMatchObject({ pace: 'trusted', watchMisses: 0 });
    expect(t.watches).toHaveLength(1);
  });

  it('notifications for other files of the directory announce nothing', async () => {
    const t = await paced();
    await t.write('x\n', false);
    t.notify('other.log');
    await t.after(2000);
    await t.after(2000);
    expect(t.tailer.stats()).toMatchObject({ pace: 'doubted', watchMisses: 1 });
  });

  it('a failed watch leaves the poll alone at the fast pace', async () => {
    const t = await paced();
    t.watches[0]!.onError(new Error('too many watches'));
    expect(t.tailer.stats()).toMatchObject({ pace: 'unwatched', lastError: 'fs.watch: too many watches' });
    await t.write('polled\n', false);
    await t.after(250);
    expect(t.lines).toEqual(['polled']);
  });

  it('with real notifications a quiet file is polled at the slow pace and a write is read at once', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, 'old\n');
    const { tailer, lines } = follow(path, { pollIntervalMs: 50, watchedPollIntervalMs: 60_000 });
    await tailer.start();
    expect(tailer.stats().pace).toBe('trusted');
    appendFileSync(path, 'now\n');
    // Only the notification can have read it: the poll is a minute away.
    await eventually(() => expect(lines).toEqual(['now']));
    expect(tailer.stats()).toMatchObject({ pace: 'trusted', watchMisses: 0 });
  });
});

describe('tailer - notifications come back', () => {
  it('a directory that does not exist at start is watched once it does', async () => {
    const logDir = join(dir, 'later');
    const path = join(logDir, 'app.log');
    const { tailer, lines } = follow(path, { pollIntervalMs: 50, watchedPollIntervalMs: 60_000 });
    await tailer.start();
    expect(tailer.stats().pace).toBe('unwatched');
    mkdirSync(logDir);
    await eventually(() => expect(tailer.stats().pace).toBe('trusted'));
    writeFileSync(path, 'first\n');
    // The poll is a minute away now: only a notification reads it.
    await eventually(() => expect(lines).toEqual(['first']));
  });
});
