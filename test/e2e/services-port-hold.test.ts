import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { spawnChild, stopAllChildren } from '../helpers/processes.js';
import { fixture, killServiceLeftovers, probeService, startServiceAgent, type ServiceAgentOptions } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * A service held because another process has its port stays held across agent restarts:
 * the hold is saved beside the restart budget in the agent's data dir, so the next agent
 * spends no recovery to find it out again, and lifts it once the service serves.
 */
describe('services - a port hold across agent restarts', () => {
  let coordinator: Coordinator;
  dumpLogsOnFailure();

  beforeAll(async () => {
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn' });
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    killServiceLeftovers();
    removeTempDirs();
  });

  it('services - held by agent 1, held at once by agent 2 (no recovery spent), lifted by agent 3 once the port is free', { timeout: 60_000 }, async () => {
    const port = await freePort();
    // Someone else serves on the service's port.
    const holder = spawnChild({ name: 'port holder', command: process.execPath, args: [fixture.httpServer], env: { ...process.env, PORT: String(port) } });
    await waitFor(async () => (await probeService(port, 300).catch(() => undefined))?.pid === holder.pid || undefined, { timeoutMs: 10_000, what: 'the holder to serve' });

    const dataDir = tempDir('agent-port-hold');
    const budgetPath = join(dataDir, 'services', 'web.budget.json');
    const opts: ServiceAgentOptions = {
      coordinator: coordinator.grpcTarget,
      hostId: 'svc-hold',
      dataDir,
      logLevel: 'info',
      services: [
        {
          name: 'web',
          manager: 'process',
          command: [process.execPath, fixture.httpServer],
          env: { PORT: String(port) },
          checks: [{ type: 'http', url: `http://127.0.0.1:${port}/`, timeout: '1s', interval: '300ms' }],
          recovery: { startTimeout: '2s', watchAfterRestart: '300ms', stableAfterStart: '100ms', monitorEvery: '500ms', monitorFor: '1s' },
        },
      ],
    };
    const saved = () => (existsSync(budgetPath) ? (JSON.parse(readFileSync(budgetPath, 'utf8')) as { used: number; hold?: { kind: string; detail: string } }) : undefined);

    const first = startServiceAgent(coordinator.baseUrl, opts);
    await waitFor(() => first.journal().some((e) => e.type === 'recovery_exhausted') || undefined, { timeoutMs: 20_000, what: 'agent 1 to hold the service', observe: () => first.journal().map((e) => e.type) });
    expect(first.journal().filter((e) => e.type === 'recovery_started')).toHaveLength(1);
    expect(saved()).toMatchObject({ used: 1, hold: { kind: 'address_in_use', detail: expect.stringContaining(`port ${port} is held by pid ${holder.pid}`) } });
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    const seenBefore = first.journal().length;

    // Agent 2, same data dir, the port still taken: held at once.
    const second = startServiceAgent(coordinator.baseUrl, opts);
    const held = await waitFor(
      () => second.journal().slice(seenBefore).find((e) => e.type === 'recovery_exhausted'),
      { timeoutMs: 20_000, what: 'agent 2 to say it still holds', observe: () => second.journal().slice(seenBefore).map((e) => e.type) },
    );
    expect((held as unknown as { detail: string }).detail).toMatch(/^still not restarting web \(held since .*, before the agent restarted\): address already in use/);
    // A few polls later: still no recovery, the budget as agent 1 left it.
    await waitFor(async () => (await second.status('web'))?.state === 'failed' || undefined, { timeoutMs: 10_000, what: 'agent 2 to report web' });
    const since = second.journal().slice(seenBefore);
    expect(since.filter((e) => e.type === 'recovery_started'), since.map((e) => e.type).join(' ')).toEqual([]);
    expect(saved()).toMatchObject({ used: 1, hold: { kind: 'address_in_use' } });
    expect(await second.stop()).toEqual({ code: 0, signal: null });

    // The other program goes away; agent 3 starts the service and the hold is lifted.
    await holder.stop(2000);
    const third = startServiceAgent(coordinator.baseUrl, opts);
    await third.waitHealthy('web', { timeoutMs: 20_000 });
    expect((await probeService(port)).status).toBe(200);
    await waitFor(() => (saved() && saved()!.hold === undefined) || undefined, { timeoutMs: 10_000, what: 'the hold lifted in the data dir', observe: () => saved() });
    expect(saved()!.used).toBe(1);
    await third.stop();
  });
});
