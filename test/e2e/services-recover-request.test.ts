import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareCoordinator } from '../helpers/bare-coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { fixture, killServiceLeftovers, probeService, startServiceAgent, type ServiceAgent } from '../helpers/services.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

/**
 * The agent's side of a coordinator `recover` request. The real coordinator never asks
 * for an undeclared service or one whose recovery is disabled (its level 1 checks first),
 * so a bare gRPC coordinator sends those requests to a real agent and reads its answers.
 */
describe('services - recover requests from the coordinator', () => {
  let bare: BareCoordinator;
  let agent: ServiceAgent;
  let port: number;
  dumpLogsOnFailure();

  beforeAll(async () => {
    bare = await BareCoordinator.start();
    port = await freePort();
    agent = startServiceAgent('http://127.0.0.1:1', {
      coordinator: bare.target,
      hostId: 'svc-requests',
      logLevel: 'warn',
      services: [
        {
          name: 'web',
          manager: 'process',
          command: [process.execPath, fixture.httpServer],
          env: { PORT: String(port) },
          checks: [{ type: 'http', url: `http://127.0.0.1:${port}/` }],
          recovery: { watchAfterRestart: '200ms', stableAfterStart: '100ms' },
        },
        { name: 'manual', manager: 'process', command: [process.execPath, fixture.httpServer], env: { PORT: String(await freePort()) }, recovery: { enabled: false } },
      ],
    });
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    await bare.close();
    killServiceLeftovers();
    removeTempDirs();
  });

  it('services - recover for an undeclared service or one with recovery disabled is refused; a declared one is accepted and restarted', async () => {
    const hello = await bare.waitForAgent();
    expect(hello.services.map((s) => [s.name, s.recoveryEnabled])).toEqual([['web', true], ['manual', false]]);
    const first = await waitFor(async () => (await probeService(port, 300).catch(() => undefined))?.pid, { timeoutMs: 10_000, what: 'web to serve' });

    const undeclared = await bare.recover('nope');
    expect(undeclared).toMatchObject({ accepted: false });
    expect(undeclared.error).toBe('service "nope" is not declared in this agent\'s config');
    expect(undeclared.refusal).toBe('not_declared');

    const disabled = await bare.recover('manual');
    expect(disabled).toMatchObject({ accepted: false });
    expect(disabled.error).toMatch(/^recovery_disabled: recovery is disabled for service manual/);

    // The control: the same path accepts a declared service and restarts it.
    const ok = await bare.recover('web', 'unreachable from peers');
    expect(ok).toEqual({ requestId: ok.requestId, accepted: true, error: '', refusal: '', detail: '' });
    await waitFor(() => bare.events().some((e) => e.service === 'web' && e.type === 'recovery_succeeded'), { timeoutMs: 10_000, what: 'the requested recovery to succeed', observe: () => bare.events().map((e) => e.type) });
    const started = bare.events().find((e) => e.service === 'web' && e.type === 'recovery_started')!;
    expect(started.detail).toContain('unreachable from peers');
    // The events the request caused carry its id.
    expect(started.requestId).toBe(ok.requestId);
    const second = await waitFor(async () => {
      const p = (await probeService(port, 300).catch(() => undefined))?.pid;
      return p !== undefined && p !== first ? p : undefined;
    }, { timeoutMs: 5000, what: 'a new pid serving' });
    expect(second).not.toBe(first);
    // Nothing happened to the refused ones.
    expect(bare.events().filter((e) => e.service !== 'web' && e.type.startsWith('recovery_'))).toEqual([]);
  });
});
