import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostToken } from '@vigil/shared';
import { Fleet, dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { getHost, listHosts } from '../helpers/http.js';
import { report } from '../helpers/measure.js';
import { readStream } from '../helpers/nats-watch.js';
import { holdsFor } from '../helpers/poll.js';

/**
 * The coordinator restarts (SIGTERM, start again on the same ports and data dir): hosts
 * come back from the store and get one detection window to reconnect.
 */
const HOSTS = ['app-1', 'app-2', 'app-3'];

describe('coordinator restart', () => {
  let fleet: Fleet;
  dumpLogsOnFailure();

  beforeAll(async () => {
    fleet = await Fleet.start({ hostIds: HOSTS, interval: '500ms' });
  });
  afterAll(() => teardown(fleet));

  it('restart - live hosts reconnect and none is reported silent', async () => {
    const before = await getHost(fleet.coordinator.baseUrl, 'app-1');
    const firstOnline = before.history.find((t) => t.to === 'online');
    expect(firstOnline).toBeDefined();
    const { grpcPort, httpPort } = fleet.coordinator;
    const silentBefore = fleet.watcher.events.filter((e) => e.subject.startsWith('vigil.v1.host.silent.')).length;

    const stopAt = performance.now();
    const exit = await fleet.coordinator.stop();
    expect(exit, 'SIGTERM ends the coordinator cleanly').toEqual({ code: 0, signal: null });
    const downWall = Date.now();
    await fleet.coordinator.startAgain();
    expect(fleet.coordinator.grpcPort).toBe(grpcPort);
    expect(fleet.coordinator.httpPort).toBe(httpPort);

    // The hosts come from the store, whether or not their agents are back yet.
    expect((await listHosts(fleet.coordinator.baseUrl)).map((h) => h.id).sort()).toEqual(HOSTS);
    await fleet.waitForLive(HOSTS, downWall, 10_000);
    report('coordinator_restart_to_all_reconnected', performance.now() - stopAt, 'ms');

    // Well past one detection window, everyone is still online and nothing went silent.
    await holdsFor(
      async () => {
        const hosts = await listHosts(fleet.coordinator.baseUrl);
        const off = hosts.filter((h) => h.state !== 'online');
        if (off.length > 0) throw new Error(`not online: ${JSON.stringify(off)}`);
      },
      { durationMs: 2500, intervalMs: 100, what: 'all hosts online after the restart' },
    );
    console.log(`[observe] events during the restart: ${JSON.stringify(fleet.watcher.events.filter((e) => e.receivedAt >= stopAt).map((e) => e.subject))}`);
    const silentEvents = fleet.watcher.events.filter((e) => e.subject.startsWith('vigil.v1.host.silent.'));
    expect(silentEvents.length - silentBefore, silentEvents.map((e) => e.subject).join(', ')).toBe(0);
    const stored = await readStream(fleet.nats.url);
    expect(stored.filter((m) => m.subject.startsWith('vigil.v1.host.silent.')).map((m) => m.subject)).toEqual([]);

    // The history written before the restart survived it.
    const after = await getHost(fleet.coordinator.baseUrl, 'app-1');
    expect(after.history).toEqual(expect.arrayContaining([firstOnline]));
  });

  // The coordinator gives stored hosts a restart grace (at least one detection window,
  // 15 s by default, so agents in reconnect back-off are not reported), after which a
  // host that never came back must be reported.
  it('restart - a host that died while the coordinator was down is reported silent after the restart grace', { timeout: 40_000 }, async () => {
    const { grpcPort } = fleet.coordinator;
    const exit = await fleet.coordinator.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    await fleet.agent('app-3').kill();

    const startAt = performance.now();
    await fleet.coordinator.startAgain();
    expect(fleet.coordinator.grpcPort).toBe(grpcPort);
    await fleet.waitForLive(['app-1', 'app-2'], Date.now() - (performance.now() - startAt), 10_000);
    expect((await listHosts(fleet.coordinator.baseUrl)).find((h) => h.id === 'app-3')?.state).not.toBe('silent');
    const silent = await fleet.watcher.waitForEvent((e) => e.subject === `vigil.v1.host.silent.${hostToken('app-3')}`, {
      since: startAt,
      timeoutMs: 20_000,
      what: 'a silent event for app-3',
    });
    report('coordinator_start_to_silent_for_dead_host', silent.receivedAt - startAt, 'ms');
    await fleet.waitForStates({ 'app-3': 'silent', 'app-1': 'online', 'app-2': 'online' }, 2000);
    const silentLive = fleet.watcher.events.filter((e) => e.receivedAt >= startAt && /^vigil\.v1\.host\.silent\.app-[12]$/.test(e.subject));
    expect(silentLive).toEqual([]);
  });
});
