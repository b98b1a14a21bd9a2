import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoordinatorMessageIn } from '@vigil/shared';
import type { FastifyInstance } from 'fastify';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';

/**
 * The operator routes against the real registry, channels and store; the agent's end of
 * its stream is a function that answers like the agent does (the full path, over real
 * gRPC to a real agent, is test/e2e/services-operator-actions.test.ts).
 */
let fx: ApiFixture;
let app: FastifyInstance;
const sent: CoordinatorMessageIn[] = [];
let answer: (m: CoordinatorMessageIn) => { accepted: boolean; error?: string; refusal?: string; detail?: string } | undefined;

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-services-api' });
  const { registry, channels } = fx;
  const hello = (hostId: string, capabilities: string[]) => ({
    hostId,
    agentVersion: '0.1.0',
    hostname: hostId,
    os: null,
    services: [{ name: 'web', manager: 'process', recoveryEnabled: true }],
    capabilities,
    intervalMs: 5000,
    labels: {},
    startedAtMs: 1,
  });
  registry.hello(hello('new-agent', ['services', 'service_actions']), 5000, 1);
  registry.hello(hello('old-agent', ['services']), 5000, 2);
  registry.hello(hello('gone-agent', ['services', 'service_actions']), 5000, 3);
  const agentEnd = (m: CoordinatorMessageIn) => {
    sent.push(m);
    const a = m.serviceAction;
    const r = a ? answer(m) : undefined;
    if (a && r) queueMicrotask(() => channels.requestAnswered('new-agent', { requestId: a.requestId!, accepted: r.accepted, error: r.error ?? '', refusal: r.refusal ?? '', detail: r.detail ?? '' }));
    return true;
  };
  channels.attach('new-agent', agentEnd);
  channels.attach('old-agent', agentEnd);
  app = await fx.build({ channels });
});

afterAll(async () => {
  await fx.close();
});

const post = (url: string, payload?: unknown) => app.inject({ method: 'POST', url, ...(payload !== undefined ? { payload: payload as object } : {}) });

describe('http api - operator actions on services', () => {
  it('services api - restart is forwarded with a fresh request id, the requester and the reason; 202 returns that id', async () => {
    answer = () => ({ accepted: true, detail: 'restarting web (outside the restart budget)' });
    sent.length = 0;
    const res = await post('/v1/hosts/new-agent/services/web/restart', { reason: 'deploy went wrong' });
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    expect(sent).toEqual([{ serviceAction: { requestId: body.requestId, service: 'web', action: 'restart', requestedBy: 'local', reason: 'deploy went wrong' } }]);
    expect(body).toEqual({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), hostId: 'new-agent', service: 'web', action: 'restart', accepted: true, detail: 'restarting web (outside the restart budget)', requestedBy: 'local' });
    const reset = await post('/v1/hosts/new-agent/services/web/reset-budget');
    expect(reset.statusCode).toBe(202);
    expect(sent.at(-1)!.serviceAction).toMatchObject({ action: 'reset_budget', requestId: reset.json().requestId });
    expect(reset.json().requestId).not.toBe(body.requestId);
  });

  it('services api - an agent refusal is a 409 with its reason and the request id; not declared there is a 404', async () => {
    answer = () => ({ accepted: false, refusal: 'already_recovering', error: 'a recovery of web is already running' });
    const busy = await post('/v1/hosts/new-agent/services/web/restart');
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toEqual({ error: { code: 'CONFLICT', message: 'a recovery of web is already running', requestId: expect.any(String), refusal: 'already_recovering' } });
    answer = () => ({ accepted: false, refusal: 'not_declared', error: 'service "web" is not declared in this agent\'s config' });
    expect((await post('/v1/hosts/new-agent/services/web/restart')).statusCode).toBe(404);
  });

  it('services api - unknown host or service 404, agent not connected or too old 409, bad input 400, nothing sent', async () => {
    sent.length = 0;
    const cases: [string, unknown, number, RegExp][] = [
      ['/v1/hosts/nowhere/services/web/restart', undefined, 404, /^no host "nowhere"$/],
      ['/v1/hosts/new-agent/services/db/restart', undefined, 404, /^service "db" is not declared by host "new-agent" \(declared: web\)$/],
      ['/v1/hosts/gone-agent/services/web/restart', undefined, 409, /^the agent of host "gone-agent" is not connected/],
      ['/v1/hosts/old-agent/services/web/reset-budget', undefined, 409, /does not serve operator actions; upgrade it$/],
      ['/v1/hosts/new-agent/services/web/restart', { reason: 7 }, 400, /reason/],
      ['/v1/hosts/new-agent/services/web/restart', { force: true }, 400, /force/],
    ];
    for (const [url, payload, status, message] of cases) {
      const res = await post(url, payload);
      expect(res.statusCode, `${url} ${res.body}`).toBe(status);
      expect(res.json().error.message).toMatch(message);
    }
    expect(sent).toEqual([]);
  });
});
