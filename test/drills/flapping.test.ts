import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { canRunNetnsTests } from '../helpers/netns.js';
import { sleep, waitFor } from '../helpers/poll.js';
import { Drill, incidentData, subjects } from './kit.js';

/**
 * Drill 12: a host whose link is cut and restored every 1.5 s for 20 s (a bad cable, a
 * flapping switch port). That is one incident that escalates on its class's timer, not a
 * new level-1 incident every cycle: going silent again marks the open incident's
 * condition present at once, before the diagnosis of the new silence has finished.
 * Detection, disconnect grace and settle window are the coordinator's defaults; only the
 * escalation time is short, so that the levels show within the 20 s.
 */
const PEERS = ['peer-1', 'peer-2'];
const FLAP = 'flap-1';
const HALF_CYCLE_MS = 1500;
const FLAP_FOR_MS = 20_000;

describe.skipIf(!canRunNetnsTests())('drills - a flapping host', () => {
  let d: Drill;
  dumpLogsOnFailure();

  beforeAll(async () => {
    d = await Drill.start({
      tag: 'fl',
      coordinatorId: 'drill-fl',
      hosts: [...PEERS, FLAP].map((id) => ({ id })),
      config: { disconnectGrace: '1s', settleWindow: '60s', escalation: { network_issue: '4s', agent_failure: '4s' } },
    });
  }, 60_000);
  afterAll(() => d?.teardown());

  it('drill 12 - a link cut and restored every 1.5 s for 20 s is one incident that escalates', async () => {
    const host = d.host(FLAP).net;
    const faultAt = performance.now();
    // The fault's own schedule, not a wait for a condition: cut, 1.5 s, restore, 1.5 s, ...
    while (performance.now() - faultAt < FLAP_FOR_MS) {
      await d.net.cutHost(host);
      await sleep(HALF_CYCLE_MS);
      await d.net.restoreHost(host);
      await sleep(HALF_CYCLE_MS);
    }
    await d.waitStates({ [FLAP]: 'online' }, 15_000);

    const silences = d.watcher.events.filter((e) => e.receivedAt >= faultAt && e.subject === subjects.silent(FLAP));
    const opened = d.watcher.events.filter((e) => e.receivedAt >= faultAt && e.subject === subjects.incident('opened', FLAP));
    const ids = opened.map((e) => incidentData(e)!.incidentId);
    console.log(`[observe] flapping: ${silences.length} silences, incidents opened: ${JSON.stringify(ids)}`);
    expect(silences.length, 'the host went silent more than once').toBeGreaterThanOrEqual(2);
    expect(ids, 'one incident for the whole flapping').toHaveLength(1);
    const id = ids[0]!;

    const levels = d.eventsOf(id).filter((e) => e.subject.startsWith('vigil.v1.escalation.')).map((e) => incidentData(e)!.level);
    expect(Math.max(...levels), `levels published: ${JSON.stringify(levels)}`).toBeGreaterThan(1);
    const detail = await waitFor(async () => {
      const i = await d.incident(id);
      return i.level > 1 ? i : undefined;
    });
    expect(detail.state).toBe('open');
    expect(detail.class).toBe('network_issue');
    // Every return of the silence was on the timeline at once, not only through a finished diagnosis.
    const again = detail.timeline.filter((t) => /^host (suspect|silent) again/.test(t.summary));
    expect(again.length, 'condition marked present when the host went away again').toBeGreaterThanOrEqual(1);
    const flapping = (detail as { flapping?: unknown }).flapping;
    console.log(`[observe] flapping incident ${id}: level ${detail.level}, flapping=${JSON.stringify(flapping)}, ${again.length} returns marked present`);
    if (flapping !== undefined) expect(flapping).toBeTruthy();
  }, 60_000);
});
