import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@vigil/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeManager } from '../../test-fixtures/fakes.js';
import { fixture } from '../../test-fixtures/helpers.js';
import type { OomVerdict } from './oom-parse.js';
import type { KernelLog, LoggedOomKill } from './oom-read.js';
import { watchOom } from './oom.js';
import { makeStandin, systemdSpec } from '../../test-fixtures/standin.js';
import { SystemdManager } from './systemd.js';

/*
 * The detector on a stand-in cgroupfs and /proc: a temp dir laid out as a cgroup v2 host
 * (`/sys/fs/cgroup/<path>/memory.events`, `/proc/<pid>/{stat,cgroup}`), with files as the
 * kernel writes them, so each rule is tried without a kernel that allows a real OOM kill.
 * oom.real.test.ts does it for real where the host allows a memory cgroup.
 */
describe('oom - detector on a stand-in cgroupfs (cgroup v2 layout)', () => {
  let dir: string;
  let procRoot: string;
  let cgroupRoot: string;
  let kills: LoggedOomKill[];
  let verdicts: OomVerdict[];
  const UNIT = '/system.slice/worker.service';
  const kernelLog: KernelLog = { source: 'stand-in', oomKills: async () => kills };

  /** A live process of the service: /proc/<pid>/stat (started 50 s after boot) and its cgroup. */
  const proc = (pid: number, name: string, cgroup: string) => {
    mkdirSync(join(procRoot, String(pid)), { recursive: true });
    const stat = fixture('proc-pid-stat-node.txt').replace(/^22715 \(node\)/, `${pid} (${name})`).replace(' 97751 ', ' 5000 ');
    writeFileSync(join(procRoot, String(pid), 'stat'), stat);
    writeFileSync(join(procRoot, String(pid), 'cgroup'), `0::${cgroup}\n`);
  };
  const setOomKills = (cgroup: string, n: number) => {
    mkdirSync(join(cgroupRoot, cgroup), { recursive: true });
    writeFileSync(join(cgroupRoot, cgroup, 'memory.events'), fixture('memory-events-v2.txt').replace(/^oom_kill \d+$/m, `oom_kill ${n}`));
  };
  const watch = (m: FakeManager) => watchOom(m, { kernelLog, procRoot, cgroupRoot, onOom: (v) => verdicts.push(v), onError: (err) => { throw err; } });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-oom-'));
    procRoot = join(dir, 'proc');
    cgroupRoot = join(dir, 'cgroup');
    mkdirSync(join(procRoot, 'self'), { recursive: true });
    writeFileSync(join(procRoot, 'self', 'cgroup'), '0::/system.slice/vigil-agent.service\n');
    writeFileSync(join(procRoot, 'uptime'), '100.00 180.00\n');
    setOomKills(UNIT, 0);
    setOomKills('/system.slice/vigil-agent.service', 0);
    kills = [];
    verdicts = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a process service killed by SIGKILL while its cgroup counts a new oom_kill: memory exhaustion of python3 with its pid, once', async () => {
    const m = new FakeManager(systemClock, 'process', 'worker');
    m.up(); // pid 101
    proc(101, 'python3', UNIT);
    const w = watch(m);
    expect((await w.status()).state).toBe('running');
    setOomKills(UNIT, 1);
    m.crash('killed by signal SIGKILL');
    const st = await w.status();
    expect(st.detail).toBe("killed by signal SIGKILL; out of memory: the kernel's OOM killer killed python3 (pid 101)");
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]!.excerpt).toContain(`${join(cgroupRoot, UNIT)}/memory.events: oom_kill 0 → 1`);
    // Read again, the same end: same detail, no second finding.
    expect((await w.status()).detail).toBe(st.detail);
    expect(verdicts).toHaveLength(1);
  });

  it("the agent's own SIGKILL (no new oom_kill, nothing in the kernel log) is not an OOM kill", async () => {
    const m = new FakeManager(systemClock, 'process', 'worker');
    m.up();
    proc(101, 'python3', UNIT);
    const w = watch(m);
    await w.status();
    m.crash('killed by signal SIGKILL');
    expect((await w.status()).detail).toBe('killed by signal SIGKILL');
    expect(verdicts).toEqual([]);
  });

  it('the kernel log names the victim; a kill logged before the process started (a reused pid) is not its', async () => {
    const m = new FakeManager(systemClock, 'process', 'worker');
    m.up();
    proc(101, 'python3', '/system.slice/vigil-agent.service'); // shares the agent's cgroup
    const w = watch(m);
    await w.status();
    const line = (ts: number) => `Out of memory: Killed process 101 (python3) total-vm:1048576kB, anon-rss:524288kB [${ts}]`;
    kills = [{ id: 'kmsg:1', pid: 101, name: 'python3', tsUs: 10e6, line: line(10) }];
    m.crash('killed by signal SIGKILL');
    expect(verdicts).toEqual([]);
    expect((await w.status()).detail).toBe('killed by signal SIGKILL');

    await m.start(); // pid 102
    proc(102, 'python3', '/system.slice/vigil-agent.service');
    await w.status();
    kills.push({ id: 'kmsg:2', pid: 102, name: 'python3', tsUs: 60e6, line: line(60) });
    m.crash('killed by signal SIGKILL');
    expect((await w.status()).detail).toMatch(/out of memory: the kernel's OOM killer killed python3 \(pid 102\)$/);
    expect(verdicts.map((v) => v.excerpt)).toEqual([`out of memory: the kernel's OOM killer killed python3 (pid 102); killed by SIGKILL; kernel: ${line(60)}`]);
  });

  it("a worker OOM-killed while the service runs: the service's own cgroup counts it; a cgroup shared with the agent does not", async () => {
    const m = new FakeManager(systemClock, 'process', 'worker');
    m.up();
    proc(101, 'gunicorn', UNIT);
    const w = watch(m);
    await w.status();
    setOomKills(UNIT, 2);
    kills = [{ id: 'kmsg:7', pid: 4711, name: 'gunicorn', memcg: UNIT, tsUs: 99e6, line: 'Memory cgroup out of memory: Killed process 4711 (gunicorn) total-vm:1kB' }];
    expect((await w.status()).state).toBe('running');
    expect(verdicts.map((v) => [v.pid, v.name])).toEqual([[4711, 'gunicorn']]);
    expect(verdicts[0]!.excerpt).toContain('oom_kill 0 → 2');

    const shared = new FakeManager(systemClock, 'process', 'other');
    shared.up();
    proc(101, 'node', '/system.slice/vigil-agent.service');
    const w2 = watch(shared);
    await w2.status();
    setOomKills('/system.slice/vigil-agent.service', 1);
    await w2.status();
    expect(verdicts).toHaveLength(1);
  });

  it("systemd: Result=oom-kill and the unit's journal line name it even with no counter or kernel log", async () => {
    const m = new FakeManager(systemClock, 'systemd', 'worker');
    const read = m.status.bind(m);
    m.status = async () => {
      const st = await read();
      return st.state === 'failed' ? { ...st, ended: { signal: 'SIGKILL', result: 'oom-kill' } } : st;
    };
    const w = watch(m);
    m.crash('failed (failed), result oom-kill, main process killed by signal 9 (SIGKILL)');
    m.logs = [{ at: Date.now(), stream: 'journal', text: 'worker.service: A process of this unit has been killed by the OOM killer.' }];
    const st = await w.status();
    expect(st.detail).toBe("failed (failed), result oom-kill, main process killed by signal 9 (SIGKILL); out of memory: the kernel's OOM killer killed a process of the service");
    expect(verdicts[0]!.excerpt).toContain('systemd: Result=oom-kill; journal: worker.service: A process of this unit has been killed by the OOM killer.');
  });

  it('systemd stopping a unit (Result=oom-kill) for a kill already reported while it ran: the status says it, no second finding', async () => {
    const m = new FakeManager(systemClock, 'systemd', 'worker');
    const read = m.status.bind(m);
    m.status = async () => {
      const st = await read();
      return st.state === 'failed' ? { ...st, ended: { signal: 'SIGTERM', result: 'oom-kill', pid: 101 } } : st;
    };
    m.up();
    proc(101, 'gunicorn', UNIT);
    const w = watch(m);
    await w.status();
    setOomKills(UNIT, 1);
    await w.status();
    expect(verdicts).toHaveLength(1);
    m.crash('failed (failed), result oom-kill');
    expect((await w.status()).detail).toBe("failed (failed), result oom-kill; out of memory: the kernel's OOM killer killed gunicorn (pid 101)");
    expect(verdicts).toHaveLength(1);
    // The next run's own OOM kill is news again.
    m.up(); // pid 102
    proc(102, 'gunicorn', UNIT);
    await w.status();
    setOomKills(UNIT, 2);
    m.crash('failed (failed), result oom-kill');
    await w.status();
    expect(verdicts).toHaveLength(2);
  });

  it('a failing kernel log or cgroup read costs nothing but the evidence it would have given', async () => {
    const m = new FakeManager(systemClock, 'process', 'worker');
    m.up();
    proc(101, 'python3', UNIT);
    const errors: string[] = [];
    const w = watchOom(m, { kernelLog: { source: 'x', oomKills: async () => Promise.reject(new Error('EPERM /dev/kmsg')) }, procRoot, cgroupRoot, onOom: (v) => verdicts.push(v), onError: (_e, where) => errors.push(where) });
    await w.status();
    setOomKills(UNIT, 1);
    m.crash();
    expect((await w.status()).detail).toMatch(/killed python3 \(pid 101\)$/);
    expect(errors).toEqual(['kernel log']);
  });
});

describe('oom - a systemd unit through the systemctl/journalctl stand-in', () => {
  it("Result=oom-kill from `systemctl show` and the unit's journal lines name the OOM kill on the failed status", async () => {
    const standin = makeStandin();
    try {
      standin.setUnit({ state: 'failed' });
      writeFileSync(join(standin.dir, 'show-failed.txt'), fixture('systemctl-show-oom-kill.txt'));
      const now = Date.now();
      standin.journal([
        { message: 'nginx.service: A process of this unit has been killed by the OOM killer.', atMs: now - 2000 },
        { message: 'nginx.service: Main process exited, code=killed, status=9/KILL', atMs: now - 2000 },
        { message: "nginx.service: Failed with result 'oom-kill'.", atMs: now - 1999 },
      ]);
      const verdicts: OomVerdict[] = [];
      const m = new SystemdManager(systemdSpec({ journal: true }), { env: standin.env, cgroupRoots: [standin.cgroupRoot], monotonicNowUs: () => 7_120_553_908 + 1_000_000 });
      const w = watchOom(m, { kernelLog: { source: 'none', oomKills: async () => [] }, onOom: (v) => verdicts.push(v) });
      const st = await w.status();
      expect(st).toMatchObject({ state: 'failed', ended: { signal: 'SIGKILL', result: 'oom-kill', pid: 6824 } });
      expect(st.detail).toBe("failed (failed), result oom-kill, main process killed by signal 9 (SIGKILL); out of memory: the kernel's OOM killer killed pid 6824");
      expect(verdicts).toHaveLength(1);
      expect(verdicts[0]!.excerpt).toBe(
        "out of memory: the kernel's OOM killer killed pid 6824; killed by SIGKILL; systemd: Result=oom-kill; journal: nginx.service: Failed with result 'oom-kill'.",
      );
      expect(standin.calls().filter((c) => c.startsWith('journalctl'))).toHaveLength(1);
    } finally {
      rmSync(standin.dir, { recursive: true, force: true });
    }
  });
});

describe('oom - the wrapper keeps what the manager can do', () => {
  it('adoption passes through when the wrapped manager adopts, and is absent when it cannot', async () => {
    const m = new FakeManager(systemClock, 'process');
    const adopting = Object.assign(m, { adopt: async () => ({ adopted: true as const, pid: 4242, pgid: 4242, since: 1, detail: 'recorded group alive' }) });
    const w = watchOom(adopting, { kernelLog: { source: 'none', oomKills: async () => [] }, onOom: () => {} });
    expect(w.adopt).toBeTypeOf('function');
    await expect(w.adopt!()).resolves.toMatchObject({ adopted: true, pid: 4242 });
    const plain = watchOom(new FakeManager(systemClock, 'systemd'), { kernelLog: { source: 'none', oomKills: async () => [] }, onOom: () => {} });
    expect(plain.adopt).toBeUndefined();
  });
});
