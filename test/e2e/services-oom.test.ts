import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMemoryCgroup, type MemoryCgroup } from '../../packages/agent/test-fixtures/memory-cgroup.js';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { AGENT_FIXTURES, describeEvents, fixture, getIncident, killServiceLeftovers, listIncidents, startServiceAgent, type FindingView } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * OOM kills end to end: the kernel's wording in a watched log, and a real OOM kill of a
 * service in a memory cgroup, each reach the coordinator as a `memory_exhaustion` finding
 * that names the process and its pid, and explain the service's incident.
 */
describe('services - OOM kills name memory_exhaustion', () => {
  let coordinator: Coordinator;
  const cgroups: MemoryCgroup[] = [];
  dumpLogsOnFailure();

  beforeAll(async () => {
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn' });
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    killServiceLeftovers();
    for (const cg of cgroups) await cg.remove();
    removeTempDirs();
  });

  it("services - a kernel OOM-killer line in a service's watched log is a memory_exhaustion finding at the coordinator", async () => {
    const port = await freePort();
    const dir = tempDir('kern');
    // The host's kernel log as rsyslog writes it, declared as a log of the service.
    const kernLog = join(dir, 'kern.log');
    writeFileSync(kernLog, '');
    const agent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'svc-oom-line',
      logLevel: 'warn',
      services: [{ name: 'worker', manager: 'process', command: [process.execPath, fixture.httpServer], env: { PORT: String(port) }, logs: [kernLog], checks: [{ type: 'http', url: `http://127.0.0.1:${port}/` }] }],
    });
    await agent.waitHealthy('worker');
    appendFileSync(kernLog, 'Dec  3 13:55:01 web-1 kernel: [ 5123.114001] python3 invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0\n');
    appendFileSync(kernLog, 'Dec  3 13:55:01 web-1 kernel: [ 5123.114020] Out of memory: Killed process 6824 (python3) total-vm:1048576kB, anon-rss:524288kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:1100kB oom_score_adj:0\n');
    const finding = await waitFor(
      async () => (await agent.detail()).findings.find((f: FindingView) => f.service === 'worker' && f.cause === 'memory_exhaustion' && f.excerpt.includes('Killed process 6824')),
      { timeoutMs: 10_000, what: 'a memory_exhaustion finding for worker from kern.log', observe: async () => (await agent.detail()).findings },
    );
    expect(finding).toMatchObject({ source: kernLog, count: 2, hostId: 'svc-oom-line', diagnosis: 'The process was ended by a memory shortage.' });
    expect(finding.excerpt).toContain('Out of memory: Killed process 6824 (python3) total-vm:1048576kB');
  });

  const cg = makeMemoryCgroup(`vigil-oom-e2e-${process.pid}`, 64 * 1024 * 1024);
  if ('unavailable' in cg) console.log(`[observe] real OOM test skipped: no memory cgroup (${cg.unavailable})`);
  else cgroups.push(cg);
  it.skipIf('unavailable' in cg)('services - a real OOM kill of a process service in a memory cgroup: memory_exhaustion naming node and its pid, on the status, the finding and the incident', async () => {
    const group = cg as MemoryCgroup;
    const agent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'svc-oom-real',
      logLevel: 'warn',
      services: [
        {
          name: 'hog',
          manager: 'process',
          command: [process.execPath, join(AGENT_FIXTURES, 'oom-hog.mjs')],
          // Runs a second and a half (long enough to be seen running in its cgroup), then eats memory.
          env: { CGROUP_PROCS: group.procs, ALLOC_AFTER_MS: '1500' },
          recovery: { budget: { max: 1, window: '10m' }, startTimeout: '2s', stableAfterStart: '500ms', watchAfterRestart: '500ms' },
        },
      ],
    });
    const events = await agent.waitEvents('hog', (es) => es.some((e) => e.type === 'recovery_exhausted'), 'recovery_exhausted', 30_000);
    const down = events.find((e) => e.type === 'status_changed' && /out of memory/.test(e.detail));
    expect(down?.detail, describeEvents(events)).toMatch(/^failed: killed by signal SIGKILL; out of memory: the kernel's OOM killer killed node \(pid \d+\)/);
    const exhausted = events.find((e) => e.type === 'recovery_exhausted')!;
    expect(exhausted.cause).toBe('memory_exhaustion');

    const finding = await waitFor(
      async () => (await agent.detail()).findings.find((f: FindingView) => f.service === 'hog' && f.cause === 'memory_exhaustion' && f.source === 'oom-killer'),
      { timeoutMs: 10_000, what: 'an oom-killer finding for hog', observe: async () => (await agent.detail()).findings },
    );
    expect(finding.excerpt).toMatch(/^out of memory: the kernel's OOM killer killed node \(pid (\d+)\); killed by SIGKILL; /);
    const pid = Number(/\(pid (\d+)\)/.exec(finding.excerpt)![1]);
    // The kernel's own line for this kill: its "Killed process" line (preferred, it carries
    // the sizes) or, when only that was read, its "oom-kill:" summary.
    expect(finding.excerpt).toMatch(new RegExp(`kernel: .*(Killed process ${pid} \\(node\\)|oom-kill:.*pid=${pid}\\b)`));
    expect(finding.count).toBeGreaterThanOrEqual(1);

    const incident = await waitFor(
      async () => (await listIncidents(coordinator.baseUrl, 'host=svc-oom-real')).find((i) => i.service === 'hog' && i.rootCause?.cause === 'memory_exhaustion'),
      { timeoutMs: 10_000, what: 'the incident of svc-oom-real/hog explained by memory_exhaustion', observe: () => listIncidents(coordinator.baseUrl, 'host=svc-oom-real') },
    );
    expect(incident.class).toBe('service_failure');
    expect(incident.rootCause!.excerpt).toContain('killed node (pid');
    const detail = await getIncident(coordinator.baseUrl, incident.id);
    expect(detail.timeline.some((t) => t.kind === 'root_cause' && t.summary.startsWith('memory_exhaustion'))).toBe(true);
    console.log(`[observe] real OOM under the agent: pid ${pid}; finding ${JSON.stringify({ count: finding.count, excerpt: finding.excerpt })}`);
  });
});
