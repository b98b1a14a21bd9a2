import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { report } from '../helpers/measure.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { describeEvents, fixture, inOrder, killServiceLeftovers, probeService, startServiceAgent, type ServiceAgent } from '../helpers/services.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

/**
 * The coordinator goes away in the middle of a recovery (SIGTERM during step 1's watch)
 * and comes back on the same ports and data dir: the agent recovers on its own meanwhile,
 * and every event it journaled reaches the coordinator exactly once, in order.
 */
describe('services - coordinator restart during a recovery', () => {
  let coordinator: Coordinator;
  let agent: ServiceAgent;
  let port: number;
  dumpLogsOnFailure();

  beforeAll(async () => {
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn' });
    port = await freePort();
    agent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'svc-replay',
      logLevel: 'warn',
      services: [
        {
          name: 'web',
          manager: 'process',
          command: [process.execPath, fixture.httpServer],
          env: { PORT: String(port) },
          checks: [{ type: 'http', url: `http://127.0.0.1:${port}/` }],
          recovery: { watchAfterRestart: '3s', stableAfterStart: '200ms', monitorEvery: '500ms', monitorFor: '1500ms' },
        },
      ],
    });
    await agent.waitHealthy('web');
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    killServiceLeftovers();
    removeTempDirs();
  });

  it('services - events made while the coordinator was down arrive once each, in order, after it returns', { timeout: 45_000 }, async () => {
    const { grpcPort, httpPort } = coordinator;
    const oldPid = (await agent.status('web'))!.pids[0]!;
    process.kill(oldPid, 'SIGKILL');
    // Step 1 is under way (its 3 s watch follows the restart): stop the coordinator now.
    await agent.waitEvents('web', (es) => es.some((e) => e.type === 'step_started'), 'step 1 to start', 10_000);
    const stopWall = Date.now();
    const exit = await coordinator.stop();
    expect(exit).toEqual({ code: 0, signal: null });

    // Meanwhile the agent finishes the recovery on its own and journals every step.
    const newPid = await waitFor(async () => {
      const r = await probeService(port, 300).catch(() => undefined);
      return r?.status === 200 && r.pid !== oldPid ? r.pid : undefined;
    }, { timeoutMs: 10_000, what: 'the service restarted while the coordinator is down' });
    await waitFor(() => agent.journal().some((e) => e.type === 'monitoring_ended'), {
      timeoutMs: 15_000,
      what: 'the agent to journal the end of the recovery and its monitoring',
      observe: () => agent.journal().map((e) => e.type),
    });
    const journal = agent.journal();
    const whileDown = journal.filter((e) => e.atMs >= stopWall);
    expect(inOrder(whileDown, ['step_succeeded', 'recovery_succeeded', 'monitoring_started', 'monitoring_ended']), JSON.stringify(whileDown.map((e) => e.type))).toBe(true);

    const restartWall = Date.now();
    await coordinator.startAgain();
    expect([coordinator.grpcPort, coordinator.httpPort]).toEqual([grpcPort, httpPort]);
    const events = await agent.waitEvents('web', (es) => es.length >= journal.length && es.some((e) => e.type === 'monitoring_ended'), 'the replayed events', 20_000);
    report('services_replay_after_restart', Math.max(...events.map((e) => e.receivedAt)) - restartWall, 'ms');

    // Exactly the journal: same sequence numbers, same events, in the same order; none twice.
    const all = (await agent.detail()).events.sort((a, b) => a.eventSeq - b.eventSeq);
    const seqs = all.map((e) => e.eventSeq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(all.map((e) => [e.eventSeq, e.type, e.step, e.atMs])).toEqual(agent.journal().map((e) => [e.eventSeq, e.type, e.step, e.atMs]));
    // Ordered in time as well as by number.
    for (let i = 1; i < all.length; i++) expect(all[i]!.atMs).toBeGreaterThanOrEqual(all[i - 1]!.atMs);
    // The ones made during the outage were received after the return, not before.
    const late = all.filter((e) => e.atMs >= stopWall && e.atMs < restartWall);
    expect(late.length, describeEvents(all)).toBeGreaterThanOrEqual(4);
    for (const e of late) expect(e.receivedAt).toBeGreaterThanOrEqual(restartWall);
    // And the service status follows the new process.
    await agent.waitHealthy('web', { pid: newPid });
    console.log(`[observe] events: ${describeEvents(all)}; made while down: ${late.map((e) => e.type).join(' ')}`);
  });
});
