import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeMemoryCgroup } from '../../test-fixtures/memory-cgroup.js';
import { script } from '../../test-fixtures/helpers.js';
import type { ExitNotice, ServiceStatus } from './manager.js';
import type { OomVerdict } from './oom-parse.js';
import { FallbackKernelLog } from './oom-read.js';
import { watchOom } from './oom.js';
import { ProcessManager } from './process.js';
import { parseServices, type ProcessServiceSpec } from './schema.js';

/*
 * A real OOM kill: a process service joins a memory cgroup limited to 64 MiB and allocates
 * past it; the kernel's OOM killer ends it with SIGKILL. Needs root and a memory
 * controller (cgroup v2, or v1 as on hosts still booted with the hybrid layout); skipped
 * with the reason otherwise (oom.test.ts covers the rules on a stand-in cgroupfs).
 */
const cg = makeMemoryCgroup(`vigil-oom-test-${process.pid}`, 64 * 1024 * 1024);
const available = !('unavailable' in cg);
if (!available) console.log(`[observe] real OOM test skipped: no memory cgroup (${(cg as { unavailable: string }).unavailable})`);

describe.skipIf(!available)('oom - a real OOM kill in a memory cgroup', () => {
  const group = cg as Exclude<typeof cg, { unavailable: string }>;
  let manager: ProcessManager | undefined;
  afterAll(async () => {
    await manager?.close();
    await group.remove();
  });

  it('the kernel kills node in the service cgroup: the status and the finding name node and its pid, from the kernel log and from the counter alone; a forced kill is not OOM', async () => {
    const spec = parseServices([{ name: 'hog', manager: 'process', command: [process.execPath, script('oom-hog.mjs')], env: { CGROUP_PROCS: group.procs } }], { defaultIntervalMs: 1000 })[0] as ProcessServiceSpec;
    const m = (manager = new ProcessManager(spec));
    const withKernel: OomVerdict[] = [];
    const counterOnly: OomVerdict[] = [];
    const kernelLog = new FallbackKernelLog();
    const full = watchOom(m, { kernelLog, onOom: (v) => withKernel.push(v), onError: (err) => console.log('[observe] read error', err) });
    const bare = watchOom(m, { kernelLog: { source: 'none', oomKills: async () => [] }, onOom: (v) => counterOnly.push(v) });
    const started = async (): Promise<number> => {
      const ready = new Promise<number>((resolve) => {
        const off = m.onLog((l) => {
          const match = /^ready pid (\d+)$/.exec(l.text);
          if (match) (off(), resolve(Number(match[1])));
        });
      });
      await m.start();
      return ready;
    };

    const pid = await started();
    expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(group.path);
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    const running: ServiceStatus[] = [await full.status(), await bare.status()];
    expect(running.map((s) => s.state)).toEqual(['running', 'running']);

    const exited = new Promise<ExitNotice>((resolve) => m.onExit(resolve));
    const t0 = Date.now();
    process.kill(pid, 'SIGUSR2');
    const notice = await exited;
    expect(notice.signal).toBe('SIGKILL');
    expect(readFileSync(group.counterFile, 'utf8')).toMatch(/^oom_kill 1$/m);

    const t1 = Date.now();
    const ended = await full.status();
    const judgedMs = Date.now() - t1;
    const summary = `out of memory: the kernel's OOM killer killed ${comm} (pid ${pid})`;
    expect(ended).toMatchObject({ state: 'failed', detail: `killed by signal SIGKILL; ${summary}` });
    expect(withKernel).toHaveLength(1);
    expect(withKernel[0]).toMatchObject({ pid, name: comm });
    expect(withKernel[0]!.excerpt).toContain(`${group.counterFile}: oom_kill 0 → 1`);
    if (kernelLog.source !== 'none') expect(withKernel[0]!.excerpt).toMatch(new RegExp(`kernel: Memory cgroup out of memory: Killed process ${pid} \\(${comm}\\) total-vm:`));
    // Without a kernel log: SIGKILL plus the cgroup's counter, the name from /proc while it ran.
    expect((await bare.status()).detail).toBe(`killed by signal SIGKILL; ${summary}`);
    expect(counterOnly.map((v) => v.excerpt)).toEqual([`${summary}; killed by SIGKILL; ${group.counterFile}: oom_kill 0 → 1`]);
    console.log(`[observe] real OOM kill: ${t1 - t0} ms from SIGUSR2 to the exit notice, ${judgedMs} ms to judge it (kernel log: ${kernelLog.source}); ${withKernel[0]!.excerpt}`);

    // The agent's own forced kill of the next run: SIGKILL, no new oom_kill, nothing in the kernel log.
    await started();
    await full.status();
    await bare.status();
    await m.forceKill();
    expect((await full.status()).detail).toBe('stopped (killed by signal SIGKILL)');
    expect((await bare.status()).detail).toBe('stopped (killed by signal SIGKILL)');
    expect(withKernel).toHaveLength(1);
    expect(counterOnly).toHaveLength(1);
  });
});
