import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostToken } from '@vigil/shared';
import { Fleet, dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { getHost } from '../helpers/http.js';
import { report } from '../helpers/measure.js';
import type { ReceivedEvent } from '../helpers/nats-watch.js';
import { waitFor } from '../helpers/poll.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * An agent that lives while its connection is reset (a firewall or load balancer dropping
 * its state, a flapping link) is back before its host is judged: the disconnect grace is
 * what the agent needs to redial, shorter than the configured second where its agent
 * promises a quick redial, and never shorter than that redial. A real agent behind a real
 * TCP middlebox that sends RST to both ends.
 */
const HOST = 'web-1';
/** AGENT_REDIAL.steadyAfterMs plus the coordinator's margin: from then on a reset stream is a steady one. */
const STEADY_MS = 11_500;

describe('connection reset while the agent lives', () => {
  let fleet: Fleet;
  let proxy: TcpProxy;
  dumpLogsOnFailure();

  beforeAll(async () => {
    fleet = await Fleet.start({ hostIds: [] });
    proxy = await TcpProxy.start(Number(fleet.coordinator.grpcTarget.split(':')[1]));
    fleet.addAgent(HOST, { coordinator: proxy.target });
    await fleet.waitForStates({ [HOST]: 'online' }, 15_000);
  });
  afterAll(async () => {
    await proxy?.close();
    await teardown(fleet);
  });

  const of = (state: string) => (e: ReceivedEvent) => e.subject === `vigil.v1.host.${state}.${hostToken(HOST)}`;

  /** Resets the agent's connection and waits for the host to be online again; the ms from suspect to online. */
  async function resetAndReturn(label: string): Promise<number> {
    await waitFor(() => proxy.open > 0, { timeoutMs: 5000, what: 'the agent connected through the proxy' });
    const at = performance.now();
    proxy.resetAll();
    const suspect = await fleet.watcher.waitForEvent(of('suspect'), { since: at, timeoutMs: 5000, what: `${HOST} suspect after reset ${label}` });
    const online = await fleet.watcher.waitForEvent(of('online'), { since: suspect.receivedAt, timeoutMs: 10_000, what: `${HOST} online after reset ${label}` });
    const gap = online.receivedAt - suspect.receivedAt;
    report(`connection_reset_${label}_suspect_to_online`, gap, 'ms');
    return online.receivedAt;
  }

  it('three resets (the first stream, a young one, a steady one): the host is back each time and never silent', async () => {
    const start = performance.now();
    // The agent process's first stream: its redial is promised, so the grace is short.
    await resetAndReturn('first_stream');
    // A stream up for a moment after a reset: its agent's backoff may have grown, so the configured grace.
    const back = await resetAndReturn('young_stream');
    // A steady stream: the short grace again.
    await waitFor(() => performance.now() - back >= STEADY_MS, { timeoutMs: STEADY_MS + 5000, intervalMs: 200, what: 'the stream to be steady' });
    await resetAndReturn('steady_stream');

    expect(fleet.watcher.events.filter((e) => e.receivedAt >= start && of('silent')(e))).toEqual([]);
    const host = await getHost(fleet.coordinator.baseUrl, HOST);
    expect(host.state).toBe('online');
    expect(host.history.filter((t) => t.to === 'silent')).toEqual([]);
  }, 60_000);

  it('a reset with the path left down: silent after the short grace its agent needs, saying so', async () => {
    await waitFor(() => proxy.open > 0, { timeoutMs: 5000, what: 'the agent connected through the proxy' });
    // The stream that came back last must be steady for the short grace; wait for it.
    const host = await getHost(fleet.coordinator.baseUrl, HOST);
    const since = Math.max(...host.history.map((t) => Date.parse(t.at)));
    await waitFor(() => Date.now() - since >= STEADY_MS, { timeoutMs: STEADY_MS + 5000, intervalMs: 200, what: 'the stream to be steady' });
    proxy.refuse(true);
    const at = performance.now();
    proxy.resetAll();
    const silent = await fleet.watcher.waitForEvent(of('silent'), { since: at, timeoutMs: 5000, what: `${HOST} silent` });
    report('connection_reset_path_down_to_silent', silent.receivedAt - at, 'ms');
    expect(silent.receivedAt - at).toBeLessThan(1000);
    const after = await getHost(fleet.coordinator.baseUrl, HOST);
    const last = after.history.reduce((a, b) => (Date.parse(b.at) >= Date.parse(a.at) ? b : a));
    expect(last).toMatchObject({ to: 'silent', reason: expect.stringMatching(/^no reconnect within \d+ ms of the stream closing \(its agent redials within 200 ms and its stream answered in \d+ ms\)$/) });
    proxy.refuse(false);
    await fleet.waitForStates({ [HOST]: 'online' }, 15_000);
  }, 60_000);
});
