import { describe, expect, it } from 'vitest';
import { fixture } from '../../test-fixtures/helpers.js';
import { isJournalOomLine, judgeOom, parseKernelOomLine, parseKmsgDump, parseKmsgRecord, parseOomKillCount, parseProcCgroup, type OomEvidence } from './oom-parse.js';
import { parseKernelJournal } from './oom-read.js';

const MEMCG = '/process_api/37831372cdb5828e15c11f29424dc30b/oomtry';

describe('oom - kernel log parsing', () => {
  it('a captured /dev/kmsg dump of a memory-cgroup OOM kill (kernel 6.18) names node, pid 10804, and its cgroup', () => {
    const records = parseKmsgDump(fixture('kmsg-memcg-oom.txt'));
    expect(records.length).toBeGreaterThan(70);
    expect(records[0]).toEqual({ seq: 339, tsUs: 727_625_971, message: 'node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0' });
    const kills = records.map((r) => parseKernelOomLine(r.message)).filter((k) => k !== null);
    // The oom-kill: summary and the "Killed process" line; the task table and stats name nobody.
    expect(kills).toEqual([
      { pid: 10804, name: 'node', memcg: MEMCG },
      { pid: 10804, name: 'node' },
    ]);
  });

  it('reads the wording of older kernels, journalctl -k and odd command names', () => {
    expect(parseKernelOomLine('[ 5123.114010] Out of memory: Kill process 6824 (python3) score 912 or sacrifice child')).toEqual({ pid: 6824, name: 'python3' });
    expect(parseKernelOomLine('[ 5123.114020] Killed process 6824 (python3) total-vm:1048576kB, anon-rss:524288kB, file-rss:0kB')).toEqual({ pid: 6824, name: 'python3' });
    expect(parseKernelOomLine('Dec 03 03:19:10 web-1 kernel: Out of memory: Killed process 6824 (python3) total-vm:1048576kB, anon-rss:524288kB')).toEqual({ pid: 6824, name: 'python3' });
    expect(parseKernelOomLine('Out of memory (oom_kill_allocating_task): Killed process 77 (java) total-vm:1kB')).toEqual({ pid: 77, name: 'java' });
    expect(parseKernelOomLine('Memory cgroup out of memory: Killed process 9 (my (odd) app) total-vm:10kB')).toEqual({ pid: 9, name: 'my (odd) app' });
    expect(parseKernelOomLine('oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/worker.service,task=a,b,pid=6824,uid=998')).toEqual({
      pid: 6824,
      name: 'a,b',
      memcg: '/system.slice/worker.service',
    });
    for (const other of ['node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL)', 'oom_reaper: reaped process 6824 (python3), now anon-rss:0kB', 'Killed process 6824 (python3)', 'GET /oom 200']) {
      expect(parseKernelOomLine(other), other).toBeNull();
    }
  });

  it('kmsg records: the dictionary lines after a message are not part of it; garbage is null', () => {
    expect(parseKmsgRecord('3,419,727626541,-,caller=T1;Killed process 1 (x) total-vm:1kB\n SUBSYSTEM=memory\n')).toEqual({ seq: 419, tsUs: 727_626_541, message: 'Killed process 1 (x) total-vm:1kB' });
    expect(parseKmsgRecord('no semicolon')).toBeNull();
    expect(parseKmsgRecord('a,b;msg')).toBeNull();
  });

  it('journalctl -k -o json: one entry per kill, the summary and the kill line merged, cursor as identity', () => {
    const entry = (msg: string, mono: number, i: number) => JSON.stringify({ __CURSOR: `s=1;i=${i}`, __MONOTONIC_TIMESTAMP: String(mono), _TRANSPORT: 'kernel', MESSAGE: msg });
    const lines = parseKmsgDump(fixture('kmsg-memcg-oom.txt')).map((r, i) => entry(r.message, r.tsUs, i));
    const kills = parseKernelJournal([...lines, 'not json', ''].join('\n'));
    expect(kills).toHaveLength(1);
    expect(kills[0]).toMatchObject({ pid: 10804, name: 'node', memcg: MEMCG, tsUs: 727_626_503 });
    expect(kills[0]!.line).toMatch(/^Memory cgroup out of memory: Killed process 10804 \(node\) total-vm:754964kB, anon-rss:32128kB/);
  });
});

describe('oom - cgroup files', () => {
  it('the oom_kill counter of v1 memory.oom_control (captured after a kill) and v2 memory.events', () => {
    expect(parseOomKillCount(fixture('memory-oom_control-v1-after-kill.txt'))).toBe(1);
    expect(parseOomKillCount(fixture('memory-events-v2.txt'))).toBe(1);
    expect(parseOomKillCount('oom_kill_disable 0\nunder_oom 0\n')).toBeUndefined();
  });

  it('/proc/<pid>/cgroup: the unified path and the v1 memory path (captured on a hybrid host), a pure v2 host', () => {
    expect(parseProcCgroup(fixture('proc-pid-cgroup-hybrid.txt'))).toEqual({ unified: '/', memory: '/process_api/37831372cdb5828e15c11f29424dc30b' });
    expect(parseProcCgroup(fixture('proc-pid-cgroup-v2.txt'))).toEqual({ unified: '/system.slice/worker.service' });
    expect(parseProcCgroup('5:cpu,memory:/a\n')).toEqual({ memory: '/a' });
  });
});

describe('oom - the verdict', () => {
  const none: OomEvidence = { kernel: [], journal: [] };
  const counter = { file: '/sys/fs/cgroup/memory/app/memory.oom_control', before: 0, after: 1 };

  it('SIGKILL with a new oom_kill in its cgroup is an OOM kill of the main process', () => {
    const v = judgeOom({ ...none, signal: 'SIGKILL', counter, ownCgroup: false }, { pid: 4242, name: 'python3' });
    expect(v).toEqual({
      pid: 4242,
      name: 'python3',
      summary: "out of memory: the kernel's OOM killer killed python3 (pid 4242)",
      excerpt: "out of memory: the kernel's OOM killer killed python3 (pid 4242); killed by SIGKILL; /sys/fs/cgroup/memory/app/memory.oom_control: oom_kill 0 → 1",
    });
  });

  it('a SIGKILL alone is not: the agent, an operator or a watchdog send it too', () => {
    expect(judgeOom({ ...none, signal: 'SIGKILL' }, { pid: 1, name: 'x' })).toBeNull();
    expect(judgeOom({ ...none, signal: 'SIGKILL', counter: { ...counter, after: 0 } })).toBeNull();
    expect(judgeOom({ ...none, signal: 'SIGSEGV', counter })).toBeNull();
  });

  it("a rise of a counter shared with the agent says nothing while the service runs; of the service's own cgroup it does", () => {
    expect(judgeOom({ ...none, counter, ownCgroup: false })).toBeNull();
    expect(judgeOom({ ...none, counter, ownCgroup: true })?.summary).toBe("out of memory: the kernel's OOM killer killed a process of the service");
  });

  it("the kernel's line names the victim (a worker, not the main process) and is quoted", () => {
    const line = 'Memory cgroup out of memory: Killed process 6824 (python3) total-vm:1048576kB, anon-rss:524288kB';
    const v = judgeOom({ ...none, kernel: [{ pid: 6824, name: 'python3', line }] }, { pid: 1, name: 'gunicorn' });
    expect(v).toMatchObject({ pid: 6824, name: 'python3' });
    expect(v!.excerpt).toContain(`kernel: ${line}`);
  });

  it("systemd's Result=oom-kill or its journal line is enough", () => {
    expect(judgeOom({ ...none, systemdResult: 'oom-kill', signal: 'SIGTERM' }, { pid: 6824 })?.excerpt).toBe(
      "out of memory: the kernel's OOM killer killed pid 6824; killed by SIGTERM; systemd: Result=oom-kill",
    );
    expect(judgeOom({ ...none, journal: ['worker.service: A process of this unit has been killed by the OOM killer.'] })).not.toBeNull();
    expect(judgeOom({ ...none, systemdResult: 'exit-code' })).toBeNull();
    expect(isJournalOomLine("worker.service: Failed with result 'oom-kill'.")).toBe(true);
    expect(isJournalOomLine("worker.service: Failed with result 'exit-code'.")).toBe(false);
  });
});

// Counterexample found by the long run of test/fuzz/proc-text.fuzz.test.ts (VIGIL_FUZZ_RUNS=20x).
describe('oom - numbers too large to be exact', () => {
  it('an oom_kill count past 2^53 is no count, not 1e40', () => {
    expect(parseOomKillCount(`under_oom 0\noom_kill ${'9'.repeat(40)}\n`)).toBeUndefined();
    expect(parseOomKillCount('oom_kill 3\n')).toBe(3);
  });

  it('a kill line whose pid is past 2^53 names no kill', () => {
    expect(parseKernelOomLine(`Out of memory: Killed process ${'9'.repeat(40)} (hog) total-vm:1kB`)).toBeNull();
    expect(parseKernelOomLine(`oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/a,task_memcg=/a,task=hog,pid=${'9'.repeat(40)},uid=0`)).toBeNull();
  });
});
