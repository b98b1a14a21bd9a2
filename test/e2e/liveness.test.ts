import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostToken } from '@vigil/shared';
import { Fleet, dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { getRaw } from '@vigil/testkit/http-get';
import { getHost } from '../helpers/http.js';
import { report } from '../helpers/measure.js';
import type { ReceivedEvent } from '../helpers/nats-watch.js';
import { holdsFor } from '../helpers/poll.js';

/**
 * The shipped timings: samples every 5 s, liveness every 1 s. A frozen host is judged by
 * the liveness period (silent within about 2 s), not by two sample intervals (10 s), and a
 * healthy one is never judged silent between its samples.
 */
const FROZEN = 'live-frozen';
const STEADY = 'live-steady';

describe('liveness at the shipped timings', () => {
  let fleet: Fleet;
  dumpLogsOnFailure();

  beforeAll(async () => {
    fleet = await Fleet.start({ hostIds: [FROZEN, STEADY], interval: '5s' });
  });
  afterAll(() => teardown(fleet));

  const isEvent = (state: string, hostId: string) => (e: ReceivedEvent) => e.subject === `vigil.v1.host.${state}.${hostToken(hostId)}`;

  it('a healthy host stays online between its 5 s samples, heard from every second', async () => {
    let last = 0;
    let changes = 0;
    await holdsFor(
      async () => {
        const h = await getHost(fleet.coordinator.baseUrl, STEADY);
        if (h.state !== 'online') throw new Error(`state is ${h.state}`);
        const seen = Date.parse(h.lastSeen!);
        if (seen !== last) changes++;
        last = seen;
      },
      { durationMs: 6000, intervalMs: 100, what: `${STEADY} online` },
    );
    // Six seconds hold one or two samples; the liveness makes it five or more.
    expect(changes).toBeGreaterThanOrEqual(5);
    // Heard as UDP datagrams (the agents' default, over loopback), none refused.
    const metrics = (await getRaw(`${fleet.coordinator.baseUrl}/metrics`)).body;
    const datagrams = (outcome: string) => Number(new RegExp(`^vigil_liveness_datagrams_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    expect(datagrams('accepted')).toBeGreaterThanOrEqual(5);
    expect(['mac', 'replay', 'slot', 'size'].map(datagrams)).toEqual([0, 0, 0, 0]);
  });

  it('SIGSTOP: silent within 3 s (two liveness periods and the sweep), online again after SIGCONT, the stall named', async () => {
    const agent = fleet.agent(FROZEN);
    const stoppedAt = performance.now();
    agent.freeze();
    const silent = await fleet.watcher.waitForEvent(isEvent('silent', FROZEN), { since: stoppedAt, timeoutMs: 8000, what: `silent event of ${FROZEN}` });
    const latency = silent.receivedAt - stoppedAt;
    report('liveness_sigstop_to_silent_event', latency, 'ms');
    // Two sample intervals would be 8.75-10 s; two liveness periods 1.75-2 s (+ sweep, NATS).
    expect(latency).toBeLessThan(3000);
    expect(fleet.watcher.events.filter((e) => e.receivedAt >= stoppedAt && isEvent('silent', STEADY)(e))).toEqual([]);

    const continuedAt = performance.now();
    agent.thaw();
    const online = await fleet.watcher.waitForEvent(isEvent('online', FROZEN), { since: continuedAt, timeoutMs: 5000, what: `online event of ${FROZEN}` });
    report('liveness_sigcont_to_online_event', online.receivedAt - continuedAt, 'ms');
    const h = await getHost(fleet.coordinator.baseUrl, FROZEN);
    const back = [...h.history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1)!;
    expect(back).toMatchObject({ from: 'silent', to: 'online' });
    // The first message after the freeze is the liveness whose timer fired late.
    expect(back.reason).toMatch(/stalled for \d+ ms/);
  });
});
