import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { sleep, waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { fixture, getIncident, killServiceLeftovers, listIncidents, probeService, startServiceAgent, type IncidentView } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * Issue 9, item 6: a process service killed about every second by something outside it
 * (an OOM killer, a watchdog, a person). The agent restarts it, it serves a moment, it is
 * killed again; the agent sees recurrences and finally spends its budget. That is one
 * outage of one service: one incident, escalated to level 3 once, that does not resolve
 * in the middle of the loop although a `running` status comes between two kills and the
 * settle window is shorter than the loop.
 */
const SETTLE = '3s';
const LOOP_MS = 15_000;
const KILL_EVERY_MS = 1000;

describe('services - crash loop', () => {
  let coordinator: Coordinator;
  dumpLogsOnFailure();

  beforeAll(async () => {
    const config = join(tempDir('crash-loop-config'), 'coordinator.yaml');
    writeFileSync(config, `${JSON.stringify({ settleWindow: SETTLE, incidentTick: '100ms', escalation: { service_failure: '30s' } })}\n`);
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn', extraArgs: ['--config', config] });
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    killServiceLeftovers();
    removeTempDirs();
  });

  it('services - a service killed every second is one incident, escalated to level 3 once, not resolved mid-loop', async () => {
    const port = await freePort();
    const agent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'svc-loop',
      logLevel: 'warn',
      services: [
        {
          name: 'web',
          manager: 'process',
          command: [process.execPath, fixture.httpServer],
          env: { PORT: String(port) },
          checks: [{ type: 'http', url: `http://127.0.0.1:${port}/`, timeout: '1s' }],
          recovery: { budget: { max: 5, window: '10m' }, watchAfterRestart: '3s', stableAfterStart: '200ms', monitorEvery: '500ms', monitorFor: '3s' },
        },
      ],
    });
    await agent.waitHealthy('web');

    const started = performance.now();
    const killed: number[] = [];
    const seen: { at: number; incidents: IncidentView[] }[] = [];
    // The fault's own schedule: whatever instance serves is killed about once a second.
    while (performance.now() - started < LOOP_MS) {
      const r = await probeService(port, 300).catch(() => undefined);
      if (r?.pid !== undefined && !killed.includes(r.pid)) {
        process.kill(r.pid, 'SIGKILL');
        killed.push(r.pid);
      }
      seen.push({ at: Math.round(performance.now() - started), incidents: await listIncidents(coordinator.baseUrl, 'host=svc-loop') });
      await sleep(KILL_EVERY_MS);
    }
    const incidents = await listIncidents(coordinator.baseUrl, 'host=svc-loop');
    console.log(`[observe] crash loop: ${killed.length} kills; incidents ${JSON.stringify(incidents.map((i) => [i.id, i.class, i.level, i.state]))}`);
    expect(killed.length, 'the service was restarted and killed again several times').toBeGreaterThanOrEqual(3);

    expect(incidents.map((i) => i.service), 'one incident, for the service').toEqual(['web']);
    const id = incidents[0]!.id;
    for (const s of seen) {
      for (const i of s.incidents) expect(i.id, `at ${s.at} ms another incident: ${JSON.stringify(s.incidents)}`).toBe(id);
      for (const i of s.incidents) expect(i.state, `at ${s.at} ms`).not.toBe('resolved');
    }
    const detail = await waitFor(async () => {
      const i = await getIncident(coordinator.baseUrl, id);
      return i.level === 3 ? i : undefined;
    }, { timeoutMs: 5000, what: `${id} at level 3` });
    expect(detail.state).toBe('open');
    const toL3 = detail.timeline.filter((t) => t.kind === 'escalated' && t.summary.startsWith('level 3'));
    expect(toL3, 'escalated to level 3 once').toHaveLength(1);
    expect(detail.timeline.filter((t) => t.kind === 'resolved')).toEqual([]);
    const kinds = detail.timeline.map((t) => `${t.kind}: ${t.summary}`);
    console.log(`[observe] timeline of ${id}:\n  ${kinds.join('\n  ')}`);
    await agent.stop();
  }, 60_000);
});
