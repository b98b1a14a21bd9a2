import { appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test-fixtures/helpers.js';
import { LineSplitter } from './line-splitter.js';
import { FileTailer, type TailerOptions, type TailReset } from './tailer.js';

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
