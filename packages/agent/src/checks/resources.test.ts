import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, GroupTracker, killChildren, waitFor } from '../../test-fixtures/helpers.js';
import { ResourcesCheck } from './resources.js';
import { computeUsage } from './usage.js';

const sysconf = async () => ({ pageSize: 4096, clkTck: 100 });

describe('resources check', () => {
  it('computeUsage - a first reading is the lifetime average (captured node process)', () => {
    // proc-pid-stat-node.txt: utime 308 + stime 4 ticks, started 977.51 s after boot; uptime 982.72 s.
    const u = computeUsage({
      samples: [{ pid: 22715, starttime: 97751, ticks: 312, residentPages: 23856 }],
      prev: new Map(),
      nowMs: 1_000_000,
      uptimeSec: 982.72,
      clkTck: 100,
      pageSize: 4096,
      totalMemBytes: 1024 * 1024 * 1024,
    });
    expect(u.cpuPercent).toBeCloseTo(59.9, 1); // 3.12 s of CPU over 5.21 s
    expect(u.rssBytes).toBe(23856 * 4096);
    expect(u.memoryPercent).toBeCloseTo(9.1, 1);
  });

  it('computeUsage - later readings use the tick delta over wall time, summed over processes', () => {
    const prev = new Map([
      ['10:5', { ticks: 100, atMs: 0 }],
      ['11:6', { ticks: 50, atMs: 0 }],
    ]);
    const u = computeUsage({
      samples: [
        { pid: 10, starttime: 5, ticks: 250, residentPages: 10 },
        { pid: 11, starttime: 6, ticks: 100, residentPages: 10 },
      ],
      prev,
      nowMs: 2_000,
      uptimeSec: 100,
      clkTck: 100,
      pageSize: 4096,
      totalMemBytes: 4096 * 100,
    });
    // (150 + 50) ticks = 2 s of CPU over 2 s of wall time = one full core.
    expect(u.cpuPercent).toBe(100);
    expect(u.memoryPercent).toBe(20);
    expect([...u.next.keys()]).toEqual(['10:5', '11:6']);
  });

  it('computeUsage - a recycled pid is a new process, not a negative delta', () => {
    const u = computeUsage({
      samples: [{ pid: 10, starttime: 9_000, ticks: 5, residentPages: 1 }],
      prev: new Map([['10:5', { ticks: 500, atMs: 0 }]]),
      nowMs: 1_000,
      uptimeSec: 91,
      clkTck: 100,
      pageSize: 4096,
      totalMemBytes: 1 << 30,
    });
    expect(u.cpuPercent).toBe(5); // 0.05 s over the 1 s it has lived
  });

  describe('on a /proc captured into a directory', () => {
    let root: string;
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    function fakeProc(): string {
      root = mkdtempSync(join(tmpdir(), 'vigil-proc-'));
      mkdirSync(join(root, '22715'));
      writeFileSync(join(root, '22715', 'stat'), fixture('proc-pid-stat-node.txt'));
      writeFileSync(join(root, '22715', 'statm'), fixture('proc-pid-statm-node.txt'));
      writeFileSync(join(root, 'uptime'), fixture('proc-uptime.txt'));
      return root;
    }

    it('ResourcesCheck - fails over the CPU limit, names the limit; passes under it', async () => {
      const deps = { procRoot: fakeProc(), sysconf, totalMemBytes: () => 1 << 30, now: () => 1_000 };
      const ctx = { pids: async () => [22715] };
      const over = await new ResourcesCheck('resources', { cpuPercent: 50, memoryPercent: 90 }, deps).run(ctx);
      expect(over).toMatchObject({ ok: false, detail: 'cpu 59.9% >= 50%; cpu 59.9%, memory 9.1% (93.2 MiB) over 1 process' });
      const under = await new ResourcesCheck('resources', { cpuPercent: 90, memoryPercent: 90 }, deps).run(ctx);
      expect(under).toMatchObject({ ok: true, detail: 'cpu 59.9%, memory 9.1% (93.2 MiB) over 1 process' });
    });

    it('ResourcesCheck - fails over the memory limit; vanished pids are skipped', async () => {
      const deps = { procRoot: fakeProc(), sysconf, totalMemBytes: () => 200 * 1024 * 1024, now: () => 1_000 };
      const r = await new ResourcesCheck('resources', { cpuPercent: 90, memoryPercent: 40 }, deps).run({ pids: async () => [22715, 999_999] });
      expect(r.ok).toBe(false);
      expect(r.detail).toMatch(/^memory 46\.6% >= 40%/);
    });

    it('ResourcesCheck - no processes is a failure', async () => {
      const r = await new ResourcesCheck('resources', { cpuPercent: 90, memoryPercent: 90 }, { procRoot: fakeProc(), sysconf }).run({ pids: async () => [] });
      expect(r).toMatchObject({ ok: false, detail: 'no running processes to measure' });
    });
  });

  describe('on real processes', () => {
    const tracker = new GroupTracker();
    const children: ChildProcess[] = [];
    afterEach(async () => {
      await killChildren(children);
      expect(await tracker.killAll()).toEqual([]);
    });

    function child(code: string): number {
      const c = spawn(process.execPath, ['-e', code], { detached: true, stdio: 'ignore' });
      children.push(c);
      tracker.add(c.pid);
      return c.pid!;
    }

    it('ResourcesCheck - a busy loop is over a 50% CPU limit, an idle process is under it', async () => {
      const busy = child('for (;;) {}');
      const idle = child('setInterval(() => {}, 1000)');
      const busyCheck = new ResourcesCheck('resources', { cpuPercent: 50, memoryPercent: 90 });
      const idleCheck = new ResourcesCheck('resources', { cpuPercent: 50, memoryPercent: 90 });
      // The first reading is a lifetime average; wait until the busy one has burnt a while.
      const first = await busyCheck.run({ pids: async () => [busy] });
      expect(first.detail).toMatch(/over 1 process$/);
      const r = await waitFor(async () => {
        const x = await busyCheck.run({ pids: async () => [busy] });
        return x.ok ? undefined : x;
      }, 10_000, 'the busy loop to exceed 50% CPU', 200);
      expect(r.detail).toMatch(/^cpu \d+(\.\d)?% >= 50%/);
      // Its first reading includes the start-up; later ones measure it idling.
      const i = await waitFor(async () => {
        const x = await idleCheck.run({ pids: async () => [idle] });
        return x.ok ? x : undefined;
      }, 10_000, 'the idle process to read under 50% CPU', 200);
      expect(i.detail).toMatch(/^cpu \d+(\.\d)?%, memory/);
    });
  });
});
