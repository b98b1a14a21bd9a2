import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostToken } from '@vigil/shared';
import { Fleet, dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { getHost, getRaw } from '../helpers/http.js';
import { report } from '../helpers/measure.js';
import { waitFor } from '../helpers/poll.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * A connect slowed by a busy moment (every connect of the reconnect storm after a
 * coordinator restart) gives its host the configured disconnect grace; an Echo times the
 * stream's round trip again once the path is quick, and a crash is then judged by what
 * the agent needs to be back. A real agent behind a real TCP middlebox that holds what
 * the coordinator sends while the agent connects. `--echo-after 2s` instead of 30 s keeps
 * the test short; the schedule itself is covered with the default in stream-echo.test.ts.
 */
const HOST = 'web-1';
/** What the coordinator sends is held this long while the agent connects: 200 + 4 x 250 + 200 ms is over the 1 s ceiling. */
const SLOW_MS = 250;

async function graceCounts(base: string): Promise<Record<string, number>> {
  const text = (await getRaw(`${base}/metrics`)).body;
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^vigil_disconnect_grace_hosts\{grace="([^"]+)"\} (\S+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

describe('a slow connect timed again by Echo', () => {
  let fleet: Fleet;
  let proxy: TcpProxy;
  dumpLogsOnFailure();

  beforeAll(async () => {
    fleet = await Fleet.start({ hostIds: [], coordinator: { extraArgs: ['--echo-after', '2s'] } });
    proxy = await TcpProxy.start(Number(fleet.coordinator.grpcTarget.split(':')[1]));
    proxy.hold(SLOW_MS);
    fleet.addAgent(HOST, { coordinator: proxy.target });
    await fleet.waitForStates({ [HOST]: 'online' }, 15_000);
  });
  afterAll(async () => {
    await proxy?.close();
    await teardown(fleet);
  });

  it('the configured grace after the slow connect, the short one once an Echo found the path quick; kill -9 is then judged by it', async () => {
    const base = fleet.coordinator.baseUrl;
    await waitFor(async () => (await graceCounts(base)).configured === 1, { timeoutMs: 5000, what: 'the slow connect to give the configured grace' });
    proxy.hold(0);
    const quickAt = performance.now();
    await waitFor(async () => (await graceCounts(base)).agent === 1, { timeoutMs: 20_000, intervalMs: 200, what: 'an Echo to find the path quick' });
    report('echo_slow_connect_to_short_grace', performance.now() - quickAt, 'ms');

    const killedAt = performance.now();
    fleet.agent(HOST).child.signal('SIGKILL');
    const silent = await fleet.watcher.waitForEvent((e) => e.subject === `vigil.v1.host.silent.${hostToken(HOST)}`, { since: killedAt, timeoutMs: 5000, what: `${HOST} silent` });
    report('echo_kill_to_silent_event', silent.receivedAt - killedAt, 'ms');
    expect(silent.receivedAt - killedAt).toBeLessThan(1000);
    const host = await getHost(base, HOST);
    const last = host.history.reduce((a, b) => (Date.parse(b.at) >= Date.parse(a.at) ? b : a));
    const m = /^no reconnect within (\d+) ms of the stream closing \(its agent redials within 200 ms and its stream answered in (\d+) ms\)$/.exec(last.reason);
    expect(m, last.reason).not.toBeNull();
    expect(Number(m![2])).toBeLessThan(SLOW_MS);
  }, 60_000);
});
