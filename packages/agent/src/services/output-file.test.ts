import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../test-fixtures/helpers.js';
import { OutputFollower } from './output-file.js';

const dirs: string[] = [];
const followers: OutputFollower[] = [];
afterEach(() => {
  for (const f of followers.splice(0)) f.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(opts: { maxBytes?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-follow-'));
  dirs.push(dir);
  const path = join(dir, 'svc.stdout');
  writeFileSync(path, 'from an earlier run\n');
  const lines: string[] = [];
  const f = new OutputFollower(path, (l) => lines.push(l), { ...opts, safetyPollMs: 60_000, pollMs: 60_000 });
  followers.push(f);
  return { path, lines, f };
}

describe('OutputFollower', () => {
  it('output file - follows what is appended from the given offset, on change notices; a partial line waits for its end', async () => {
    const { path, lines, f } = setup();
    f.start(OutputFollower.sizeOf(path));
    appendFileSync(path, 'listening on :8080\nGET / 2');
    await waitFor(() => lines.length === 1, 2_000, 'the first line, from a change notice (the polls are a minute apart)');
    appendFileSync(path, '00\n');
    await waitFor(() => lines.length === 2, 2_000, 'the completed line');
    expect(lines).toEqual(['listening on :8080', 'GET / 200']);
  });

  it('output file - past its size cap, a read file is emptied and followed from its start', () => {
    const { path, lines, f } = setup({ maxBytes: 64 });
    f.start(0);
    appendFileSync(path, `${'x'.repeat(70)}\n`);
    f.drain();
    expect(lines).toEqual(['from an earlier run', 'x'.repeat(70)]);
    expect(statSync(path).size).toBe(0);
    appendFileSync(path, 'after the cut\n');
    f.drain();
    expect(lines.at(-1)).toBe('after the cut');
  });

  it('output file - a file that does not exist yet at start gets change notices once it appears, not the short poll for ever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-follow-'));
    dirs.push(dir);
    const path = join(dir, 'later.stdout');
    const lines: string[] = [];
    // A short poll of 50 ms, a safety poll of a minute: once the file is watched, only a
    // change notice can read a line within the wait below.
    const f = new OutputFollower(path, (l) => lines.push(l), { pollMs: 50, safetyPollMs: 60_000 });
    followers.push(f);
    f.start(0);
    expect(f.notified).toBe(false);
    writeFileSync(path, '');
    await waitFor(() => f.notified, 2_000, 'the follower to watch the file once it exists');
    appendFileSync(path, 'first\n');
    await waitFor(() => lines.length === 1, 2_000, 'the line, from a change notice');
    expect(lines).toEqual(['first']);
  });

  it('output file - its polls fall on the grid it is given (the agent beat), at the safety period while notices work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-follow-'));
    dirs.push(dir);
    const path = join(dir, 'svc.stdout');
    writeFileSync(path, '');
    const asked: number[] = [];
    // A grid whose next point is always 20 ms away: the follower polls then, whatever its period.
    const grid = { delay: (periodMs: number) => (asked.push(periodMs), 20) };
    const f = new OutputFollower(path, () => undefined, { pollMs: 50, safetyPollMs: 60_000, grid });
    followers.push(f);
    f.start(0);
    await waitFor(() => asked.length >= 3, 2_000, 'the follower to re-arm on the grid after each poll');
    expect(new Set(asked)).toEqual(new Set([60_000]));
  });

  it('output file - a poll that finds the file at the size already read does not read it; one that finds it grown does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-follow-'));
    dirs.push(dir);
    const path = join(dir, 'svc.stdout');
    writeFileSync(path, 'old\n');
    let polls = 0;
    const grid = { delay: () => (polls++, 20) };
    const lines: string[] = [];
    const f = new OutputFollower(path, (l) => lines.push(l), { pollMs: 50, safetyPollMs: 60_000, grid });
    followers.push(f);
    const drains = vi.spyOn(f, 'drain');
    f.start(OutputFollower.sizeOf(path));
    await waitFor(() => polls >= 4, 2_000, 'three polls of an unchanged file');
    expect(drains).not.toHaveBeenCalled();
    // Grown behind the follower's back (as if a notice were lost): the next poll reads it.
    (f as unknown as { watcher?: { close(): void } }).watcher?.close();
    (f as unknown as { watcher?: unknown }).watcher = undefined;
    appendFileSync(path, 'new\n');
    await waitFor(() => lines.length === 1, 2_000, 'the poll to read the new line');
    expect(lines).toEqual(['new']);
  });
});
