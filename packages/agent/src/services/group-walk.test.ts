import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { script, waitFor } from '../../test-fixtures/helpers.js';
import { GroupWalk } from './group-walk.js';

const started: ChildProcess[] = [];
afterEach(() => {
  // The whole group: the fixture and the children it forked.
  for (const c of started.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** The forker fixture in a group of its own, as a process service runs; its output lines collected. */
async function forker() {
  const child = spawn(process.execPath, [script('forker.mjs')], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  started.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  await waitFor(() => lines.includes('ready'), 10_000, 'the forker to start');
  const fork = async (from: 'main' | 'worker') => {
    child.stdin!.write(`${from}\n`);
    const line = await waitFor(() => lines.find((l) => l.startsWith(`${from} `)), 10_000, `a child forked from the ${from} thread`);
    lines.splice(lines.indexOf(line), 1);
    return Number(line.split(' ')[1]);
  };
  return { pid: child.pid!, fork };
}

describe('GroupWalk', () => {
  it('finds a child forked from the main thread at the next walk, one forked from another thread within fullEvery walks', async () => {
    const f = await forker();
    const walk = new GroupWalk(f.pid, '/proc', 3);
    expect(await walk.members()).toEqual([f.pid]); // walk 0: every thread read
    const fromWorker = await f.fork('worker');
    // Walks 1 and 2 read the main thread only; walk 3 reads them all again.
    const seen = [await walk.members(), await walk.members(), await walk.members()];
    expect(seen[2]).toContain(fromWorker);
    const fromMain = await f.fork('main');
    const now = await walk.members();
    expect(now).toEqual(expect.arrayContaining([f.pid, fromWorker, fromMain]));
    expect(now[0]).toBe(f.pid);
    // Once found, a child from another thread stays a member at every walk while it lives.
    expect(await walk.members()).toContain(fromWorker);
    process.kill(fromWorker, 'SIGKILL');
    await waitFor(async () => !(await walk.members()).includes(fromWorker), 5_000, 'the killed child to leave the members');
  });

  it('reads only the main thread between full walks: a child forked from another thread meanwhile waits for the next', async () => {
    const f = await forker();
    const walk = new GroupWalk(f.pid, '/proc', 1000);
    expect(await walk.members()).toEqual([f.pid]);
    const fromWorker = await f.fork('worker');
    expect(await walk.members()).toEqual([f.pid]);
    // A new walker (a new run of the service) reads every thread at its first walk.
    expect(await new GroupWalk(f.pid, '/proc', 1000).members()).toContain(fromWorker);
  });

  it('a leader that is not in the group (or gone) has no members', async () => {
    expect(await new GroupWalk(2 ** 22 + 12345).members()).toEqual([]);
  });
});
