import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { canRunNetnsTests } from '../helpers/netns.js';
import { Drill, incidentData, subjects, type IncidentDetail } from './kit.js';

/**
 * Drill 10: both hosts of one zone lose their links while three healthy hosts keep
 * heartbeating (too few silent for an observer partition). One zone incident explains the
 * two host incidents and escalates to level 3. When the hosts come back it resolves after
 * the settle window instead of staying open at level 3, and a host of that zone that goes
 * down later is an incident of its own that escalates, not a silent child of the old zone.
 */
const ZONE_HOSTS = ['zn-a', 'zn-b'];
const PEERS = ['zp-1', 'zp-2', 'zp-3'];
const ZONE = 'zone:rack-7';

describe.skipIf(!canRunNetnsTests())('drills - a zone goes down and comes back', () => {
  let d: Drill;
  dumpLogsOnFailure();

  beforeAll(async () => {
    d = await Drill.start({
      tag: 'zn',
      coordinatorId: 'drill-zn',
      hosts: [...ZONE_HOSTS.map((id) => ({ id, labels: { zone: 'rack-7' } })), ...PEERS.map((id) => ({ id, labels: { zone: 'rack-8' } }))],
    });
  }, 60_000);
  afterAll(() => d?.teardown());

  it('drill 10 - the zone incident resolves with its hosts, and a later outage in that zone pages on its own', async () => {
    const faultAt = performance.now();
    for (const h of ZONE_HOSTS) await d.net.cutHost(d.host(h).net);
    const zoneOpened = await d.waitEvent(subjects.incident('opened', ZONE), { since: faultAt, timeoutMs: 20_000 });
    const zoneId = incidentData(zoneOpened)!.incidentId;
    expect(incidentData(zoneOpened)).toMatchObject({ class: 'network_issue', subject: { kind: 'zone', zone: 'rack-7' } });
    // The zone incident reaches level 3 while its hosts are down.
    const escMs = d.escalationMs('network_issue');
    await d.waitEvent(subjects.escalation(3, 'network_issue', ZONE), { since: zoneOpened.receivedAt, timeoutMs: 2 * escMs + 5000, pred: (x) => x?.incidentId === zoneId });
    const during = (await d.api.get<{ incidents: IncidentDetail[] }>(`/v1/incidents?host=${ZONE_HOSTS[0]}&state=open`)).incidents;
    expect(during.map((i) => i.hostId).sort(), '?host= finds the zone incident of the host').toEqual([ZONE, ZONE_HOSTS[0]].sort());

    const backAt = performance.now();
    for (const h of ZONE_HOSTS) await d.net.restoreHost(d.host(h).net);
    await d.waitStates(Object.fromEntries(ZONE_HOSTS.map((h) => [h, 'online'])), 30_000);
    const zoneResolved = await d.waitEvent(subjects.incident('resolved', ZONE), { since: backAt, timeoutMs: 20_000, pred: (x) => x?.incidentId === zoneId });
    console.log(`[measure] drill10_back_to_zone_resolved=${Math.round(zoneResolved.receivedAt - backAt)} ms`);
    expect((await d.incident(zoneId)).resolvedBy).toBe('vigil');

    // Later, one host of that zone goes down alone: its own incident, its own pages.
    const loneAt = performance.now();
    await d.net.cutHost(d.host(ZONE_HOSTS[0]!).net);
    const opened = await d.waitEvent(subjects.incident('opened', ZONE_HOSTS[0]!), { since: loneAt, timeoutMs: 20_000 });
    const id = incidentData(opened)!.incidentId;
    expect(incidentData(opened)).toMatchObject({ parentId: null, class: 'network_issue' });
    const l2 = await d.waitEvent(subjects.escalation(2, 'network_issue', ZONE_HOSTS[0]!), { since: opened.receivedAt, timeoutMs: escMs + 5000, pred: (x) => x?.incidentId === id });
    console.log(`[measure] drill10_lone_opened_to_l2=${Math.round(l2.receivedAt - opened.receivedAt)} ms`);
    expect((await d.incident(id)).parentId).toBeNull();
    await d.net.restoreHost(d.host(ZONE_HOSTS[0]!).net);
    await d.waitStates({ [ZONE_HOSTS[0]!]: 'online' }, 30_000);
  }, 120_000);
});
