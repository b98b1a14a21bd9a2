import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet, dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { getRaw, getHost, listHosts } from '../helpers/http.js';
import { holdsFor } from '../helpers/poll.js';

/**
 * A connect storm against a coordinator whose Hello admission is tiny (one Hello a
 * second): agents over the bound are sent away with RESOURCE_EXHAUSTED and a
 * `grpc-retry-pushback-ms` hint, come back when told, and every one ends up welcomed
 * without any host being reported silent, both when the fleet starts together and when
 * it reconnects together after a coordinator restart. At one a second the eight agents
 * are all back within the coordinator's restart grace (15 s), as the bound must be sized.
 */
const HOSTS = Array.from({ length: 8 }, (_, i) => `storm-${i + 1}`);
const BOUND = ['--max-hello-rate', '1', '--hello-burst', '1'];

async function shedCount(baseUrl: string): Promise<number> {
  const body = (await getRaw(`${baseUrl}/metrics`)).body;
  const m = /^vigil_agent_messages_rejected_total\{reason="hello_shed"\} (\d+)/m.exec(body);
  return m ? Number(m[1]) : 0;
}

function allOnline(fleet: Fleet): () => Promise<void> {
  return async () => {
    const hosts = await listHosts(fleet.coordinator.baseUrl);
    const off = hosts.filter((h) => h.state !== 'online');
    if (hosts.length !== HOSTS.length || off.length > 0) throw new Error(`not online: ${JSON.stringify(off.map((h) => [h.id, h.state]))}`);
  };
}

/** `suspect` too where nothing may break a stream; across a restart the stop itself breaks them. */
const verdicts = (fleet: Fleet, since: number, kinds: RegExp) => fleet.watcher.events.filter((e) => e.receivedAt >= since && kinds.test(e.subject)).map((e) => e.subject);

describe('connect storm', () => {
  let fleet: Fleet;
  dumpLogsOnFailure();

  beforeAll(async () => {
    fleet = await Fleet.start({ hostIds: [], interval: '500ms', coordinator: { extraArgs: BOUND } });
  });
  afterAll(() => teardown(fleet));

  it('storm - agents over the Hello bound are shed, come back when told, and all are welcomed; none silent', { timeout: 60_000 }, async () => {
    const start = performance.now();
    for (const id of HOSTS) fleet.addAgent(id);
    await fleet.waitForStates(Object.fromEntries(HOSTS.map((id) => [id, 'online'])), 40_000);
    // Eight agents starting together against one Hello a second: most were sent away first.
    // Each comes back at the slot it was given, so it is sent away about once, not on every
    // step of its exponential backoff (200 ms, 400 ms, … would be several times each).
    const shed = await shedCount(fleet.coordinator.baseUrl);
    console.log(`[observe] Hellos shed while ${HOSTS.length} agents connected: ${shed}`);
    expect(shed).toBeGreaterThan(0);
    expect(shed).toBeLessThanOrEqual(2.5 * HOSTS.length);
    // Heartbeats flow for all of them; no host goes suspect or silent on the way.
    await holdsFor(allOnline(fleet), { durationMs: 2500, intervalMs: 100, what: 'all hosts online after the storm' });
    expect(verdicts(fleet, start, /^vigil\.v1\.host\.(suspect|silent)\./)).toEqual([]);
    for (const id of HOSTS) {
      const h = await getHost(fleet.coordinator.baseUrl, id);
      expect(h.history.map((t) => t.to), id).toEqual(['online']);
    }
  });

  it('storm - after a coordinator restart every agent reconnects at once; shed ones are back within the restart grace, none silent', { timeout: 60_000 }, async () => {
    await fleet.coordinator.stop();
    const downWall = Date.now();
    const since = performance.now();
    await fleet.coordinator.startAgain();
    await fleet.waitForLive(HOSTS, downWall, 14_000);
    const shed = await shedCount(fleet.coordinator.baseUrl);
    console.log(`[observe] Hellos shed while ${HOSTS.length} agents reconnected: ${shed}`);
    expect(shed).toBeGreaterThan(0);
    expect(shed).toBeLessThanOrEqual(2.5 * HOSTS.length);
    await holdsFor(allOnline(fleet), { durationMs: 2500, intervalMs: 100, what: 'all hosts online after the restart' });
    expect(verdicts(fleet, since, /^vigil\.v1\.host\.silent\./)).toEqual([]);
  });
});
