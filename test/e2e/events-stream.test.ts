import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { getRaw } from '../helpers/http.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { fixture, killServiceLeftovers, startServiceAgent } from '../helpers/services.js';
import { SseClient } from '../helpers/sse.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { hashToken } from '../../packages/coordinator/src/http/auth.js';

const VIEWER = 'viewer-token-events-0123456789';

/**
 * `GET /v1/events` on a real coordinator: host state changes and the service events an
 * agent reports arrive as they are stored; a client that was away (the coordinator even
 * restarted meanwhile) resumes with Last-Event-ID without gap or duplicate.
 */
describe('events stream', () => {
  let coordinator: Coordinator;
  const auth = { authorization: `Bearer ${VIEWER}` };
  dumpLogsOnFailure();

  beforeAll(async () => {
    const dir = tempDir('events-stream-config');
    const tokens = join(dir, 'tokens');
    writeFileSync(tokens, `dash viewer ${hashToken(VIEWER)}\n`);
    const config = join(dir, 'coordinator.json');
    writeFileSync(config, `${JSON.stringify({ eventsKeepAlive: '200ms' })}\n`);
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn', extraArgs: ['--config', config, '--tokens-file', tokens] });
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    killServiceLeftovers();
    removeTempDirs();
  });

  it('events stream - 401 without a token; with one, host and service events live, keep-alives, and a resume across a coordinator restart', async () => {
    const anon = await getRaw(`${coordinator.baseUrl}/v1/events`);
    expect(anon.status).toBe(401);

    const live = new SseClient(`${coordinator.baseUrl}/v1/events`, auth);
    await waitFor(() => live.status === 200 && live.frames.length > 0, { what: 'the stream to open' });

    const port = await freePort();
    const agent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'sse-1',
      logLevel: 'warn',
      services: [{ name: 'web', manager: 'process', command: [process.execPath, fixture.httpServer], env: { PORT: String(port) }, checks: [{ type: 'tcp', port, timeout: '1s' }] }],
    });
    const seen = await waitFor(
      () => {
        const es = live.events();
        return es.some((e) => e.subject === 'vigil.v1.host.online.sse-1') && es.some((e) => e.event === 'service') ? es : undefined;
      },
      { timeoutMs: 15_000, what: 'the host online and a service event' },
    );
    const svc = seen.find((e) => e.event === 'service')!;
    expect(svc.subject).toMatch(/^vigil\.v1\.service\.[a-z_]+\.sse-1$/);
    expect(svc.payload).toMatchObject({ type: expect.stringMatching(/^vigil\.v1\.service\./), data: { hostId: 'sse-1', service: 'web' } });
    await waitFor(() => live.frames.some((f) => f.comment === 'keep-alive'), { what: 'a keep-alive comment' });
    const ids = live.ids();
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
    const last = ids.at(-1)!;
    live.close();

    // Away: the agent leaves (host left) and the coordinator restarts with its store.
    await agent.agent.stop();
    await coordinator.restart();

    const resumed = new SseClient(`${coordinator.baseUrl}/v1/events`, { ...auth, 'last-event-id': String(last) });
    await waitFor(() => resumed.events().some((e) => e.subject === 'vigil.v1.host.left.sse-1'), { timeoutMs: 10_000, what: 'the missed host left event' });
    expect(resumed.frames.some((f) => f.event === 'reset')).toBe(false);
    // Live after the replay: a new host comes online.
    const agent2 = startServiceAgent(coordinator.baseUrl, { coordinator: coordinator.grpcTarget, hostId: 'sse-2', logLevel: 'warn', services: [] });
    await waitFor(() => resumed.events().some((e) => e.subject === 'vigil.v1.host.online.sse-2'), { timeoutMs: 15_000, what: 'the live host online event after the replay' });
    const again = resumed.ids();
    expect(again[0]).toBe(last + 1);
    expect(again).toEqual(again.map((_, i) => last + 1 + i));
    resumed.close();
    await agent2.agent.stop();
  });
});
