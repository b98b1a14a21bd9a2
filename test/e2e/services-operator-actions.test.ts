import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../helpers/api-client.js';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { describeEvents, fixture, killServiceLeftovers, probeService, startServiceAgent, type IncidentDetailView, type IncidentView } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * Item: once a service's restart budget is spent only an operator can bring the agent
 * back into play. A real coordinator forwards `restart` and `reset-budget` over the
 * stream to a real agent; the request id comes back in the answer and on every event
 * the action caused.
 */
const OPERATOR = { name: 'alice', role: 'operator' as const, token: 'operator-token-for-service-actions-0123' };
const VIEWER = { name: 'bob', role: 'viewer' as const, token: 'viewer-token-for-service-actions-01234' };

type Accepted = { requestId: string; accepted: true; detail: string; requestedBy: string };
type Refused = { error: { code: string; message: string; requestId?: string; refusal?: string } };

describe('services - operator actions through the coordinator', () => {
  let coordinator: Coordinator;
  let api: ApiClient;
  dumpLogsOnFailure();

  beforeAll(async () => {
    const configFile = join(tempDir('coordinator-config'), 'coordinator.yaml');
    const tokens = [OPERATOR, VIEWER].map((t) => ({ name: t.name, role: t.role, sha256: createHash('sha256').update(t.token, 'utf8').digest('hex') }));
    writeFileSync(configFile, `${JSON.stringify({ tokens })}\n`);
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn', extraArgs: ['--config', configFile] });
    api = new ApiClient(coordinator.baseUrl, { token: OPERATOR.token });
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    killServiceLeftovers();
    removeTempDirs();
  });

  it('services - restart and reset-budget: a spent budget is given back, the service restarted, each journaled with the request id the API returned', async () => {
    const port = await freePort();
    const agent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'svc-ops',
      logLevel: 'info',
      services: [
        {
          name: 'web',
          manager: 'process',
          command: [process.execPath, fixture.httpServer],
          env: { PORT: String(port) },
          checks: [{ type: 'http', url: `http://127.0.0.1:${port}/`, timeout: '1s', interval: '300ms' }],
          recovery: { budget: { max: 1, window: '10m' }, watchAfterRestart: '300ms', stableAfterStart: '100ms', monitorEvery: '500ms', monitorFor: '1s' },
        },
      ],
    });
    // The agent's http client is not authenticated: read through the operator's token.
    const detail = () => api.get<{ host: { serviceStatus: { name: string; pids: number[]; budgetUsed: number; exhausted: boolean; state: string; recovering: boolean }[]; events: { type: string; requestId: string; detail: string; eventSeq: number }[] } }>('/v1/hosts/svc-ops');
    const web = async () => (await detail()).host.serviceStatus.find((s) => s.name === 'web');
    const eventsOf = async () => (await detail()).host.events.slice().sort((a, b) => a.eventSeq - b.eventSeq);
    const first = await waitFor(async () => (await web())?.state === 'running' && (await probeService(port, 300).catch(() => undefined))?.pid, { timeoutMs: 15_000, what: 'web serving' });

    // Spend the budget of 1: killed, restarted once, killed again → left down.
    process.kill(first, 'SIGKILL');
    await waitFor(async () => (await eventsOf()).some((e) => e.type === 'recovery_succeeded') || undefined, { timeoutMs: 10_000, what: 'the one recovery the budget allows' });
    const second = (await probeService(port, 1000)).pid;
    expect(second).not.toBe(first);
    process.kill(second!, 'SIGKILL');
    await waitFor(async () => (await eventsOf()).some((e) => e.type === 'recovery_exhausted') || undefined, { timeoutMs: 15_000, what: 'recovery_exhausted', observe: async () => describeEvents((await eventsOf()) as never) });
    await waitFor(async () => (await web())?.exhausted || undefined, { timeoutMs: 5000, what: 'the status to show the budget spent' });
    expect(await probeService(port, 300).then(() => 'serving', () => 'down')).toBe('down');

    // Who may act, on what.
    const path = '/v1/hosts/svc-ops/services/web/restart';
    expect((await api.request('POST', path, { body: {}, token: VIEWER.token })).status).toBe(403);
    const undeclared = await api.request<Refused>('POST', '/v1/hosts/svc-ops/services/nope/restart', { body: {} });
    expect(undeclared.status).toBe(404);
    expect(undeclared.json!.error.message).toBe('service "nope" is not declared by host "svc-ops" (declared: web)');
    expect((await api.request('POST', '/v1/hosts/no-such-host/services/web/restart', { body: {} })).status).toBe(404);
    expect((await api.request<Refused>('POST', path, { body: { reason: 'x', extra: 1 } })).json!.error.message).toMatch(/body/);

    // Reset the budget: the agent acts on its own again, at once.
    const reset = await api.request<Accepted>('POST', '/v1/hosts/svc-ops/services/web/reset-budget', { body: { reason: 'fixed the config' } });
    expect(reset.status, reset.text).toBe(202);
    expect(reset.json).toMatchObject({ accepted: true, requestedBy: 'alice', detail: '1 used recoveries given back' });
    const resetId = reset.json!.requestId;
    expect(resetId).toMatch(/^[0-9a-f-]{36}$/);
    const third = await waitFor(async () => {
      const r = await probeService(port, 300).catch(() => undefined);
      return r?.status === 200 && r.pid !== second ? r.pid : undefined;
    }, { timeoutMs: 10_000, what: 'the agent recovering on its own after the reset' });
    const afterReset = await eventsOf();
    expect(afterReset.find((e) => e.type === 'budget_reset' && e.requestId === resetId)?.detail, describeEvents(afterReset as never)).toMatch(/budget reset: 1 used recoveries given back \(requested by alice through the coordinator, request [0-9a-f-]+: fixed the config\)/);

    await waitFor(async () => (await eventsOf()).filter((e) => e.type === 'recovery_succeeded').length >= 2 || undefined, { timeoutMs: 10_000, what: 'the recovery after the reset to end' });
    await waitFor(async () => (await web())?.recovering === false || undefined, { timeoutMs: 5000, what: 'no recovery under way' });

    // Restart on demand: outside the budget, journaled under its request id.
    const restart = await api.request<Accepted>('POST', path, { body: {} });
    expect(restart.status, restart.text).toBe(202);
    const restartId = restart.json!.requestId;
    expect(restartId).not.toBe(resetId);
    const fourth = await waitFor(async () => {
      const r = await probeService(port, 300).catch(() => undefined);
      return r?.status === 200 && r.pid !== third ? r.pid : undefined;
    }, { timeoutMs: 10_000, what: 'the restarted instance' });
    expect(fourth).toBeGreaterThan(0);
    const events = await waitFor(async () => {
      const es = await eventsOf();
      return es.some((e) => e.type === 'recovery_succeeded' && e.requestId === restartId) ? es : undefined;
    }, { timeoutMs: 10_000, what: 'the restart journaled with its request id' });
    const tagged = events.filter((e) => e.requestId === restartId).map((e) => e.type);
    expect(tagged).toEqual(['recovery_started', 'step_started', 'step_succeeded', 'recovery_succeeded']);
    expect(events.find((e) => e.type === 'recovery_started' && e.requestId === restartId)!.detail).toMatch(/^an operator restart, outside the budget: restart requested by alice/);

    // The open incident of the outage says who did what.
    const incidents = (await api.get<{ incidents: IncidentView[] }>('/v1/incidents?host=svc-ops')).incidents.filter((i) => i.service === 'web');
    expect(incidents.length).toBeGreaterThan(0);
    const timeline = (await api.get<{ incident: IncidentDetailView }>(`/v1/incidents/${incidents[0]!.id}`)).incident.timeline.map((t) => t.summary);
    expect(timeline.some((t) => t.includes(`alice asked the agent to restart web (request ${restartId}): accepted`)), timeline.join('\n')).toBe(true);

    // The agent's own log names each action.
    const out = agent.agent.output();
    expect(out).toContain('"msg":"operator reset the restart budget"');
    // ... and every recovery step, outcome and budget change, with the service's name (the agent runs at info).
    for (const event of ['recovery_started', 'step_started', 'step_succeeded', 'recovery_succeeded', 'recovery_exhausted', 'budget_reset']) {
      expect(out).toContain(`"event":"${event}","service":"web"`);
    }
    expect(out).toMatch(/"event":"recovery_exhausted","service":"web","outcome":"exhausted","windowMs":600000,"budgetUsed":1,"budgetMax":1/);
    expect(out).toContain(`"requestId":"${restartId}"`);

    // No agent, no action: a clear conflict, not a hang.
    await agent.stop();
    const gone = await api.request<Refused>('POST', path, { body: {} });
    expect(gone.status).toBe(409);
    expect(gone.json!.error.message).toMatch(/^the agent of host "svc-ops" is not connected/);
  });
});
