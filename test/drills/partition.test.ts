import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostToken } from '@vigil/shared';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { canRunNetnsTests } from '../helpers/netns.js';
import { holdsFor, waitFor } from '../helpers/poll.js';
import { classificationGoalMs, Drill, duplicateIds, figuresOf, incidentData, recordFigures, subjectCounts, subjects, type IncidentDetail } from './kit.js';

/**
 * Drill 6: the coordinator's own side of the network fails (its bridge goes down), so
 * every host falls silent at once. That is one observer_partition incident for the
 * coordinator, not a page per host: host incidents opened while the pattern became clear
 * are explained by it and stay quiet; first without zone labels, then with all hosts in
 * one zone.
 */
const HOSTS = ['app-1', 'app-2', 'app-3', 'app-4'];
const COORDINATOR_ID = 'drill-pt';
const OBSERVER = `coordinator:${COORDINATOR_ID}`;

describe.skipIf(!canRunNetnsTests())('drills - the coordinator is cut off', () => {
  let d: Drill;
  dumpLogsOnFailure();

  beforeAll(async () => {
    d = await Drill.start({
      tag: 'pt',
      coordinatorId: COORDINATOR_ID,
      hosts: HOSTS.map((id) => ({ id, ssh: false })),
    });
  }, 60_000);
  afterAll(() => d?.teardown());

  /** Cuts the coordinator side, checks one observer_partition and no host page, restores, checks it resolves once. */
  async function partitionDrill(figure: string | undefined): Promise<void> {
    const goalMs = classificationGoalMs(d, false);
    const faultAt = performance.now();
    await d.net.cutCoordinator();

    const opened = await d.waitEvent(subjects.incident('opened', OBSERVER), { since: faultAt, timeoutMs: goalMs + 5000 });
    const data = incidentData(opened)!;
    expect(data).toMatchObject({ class: 'observer_partition', hostId: OBSERVER, level: 1, parentId: null });
    expect(opened.receivedAt - faultAt, `fault → observer_partition on NATS (goal ${goalMs} ms)`).toBeLessThanOrEqual(goalMs);
    const id = data.incidentId;
    await d.waitEvent(subjects.escalation(1, 'observer_partition', OBSERVER), { since: faultAt, timeoutMs: 2000, pred: (x) => x?.incidentId === id });
    for (const h of HOSTS) await d.waitEvent(subjects.silent(h), { since: faultAt, timeoutMs: 5000 });

    // No storm while the cut lasts past a host's escalation time and past the end of the
    // diagnoses started before the partition was clear (their peers never answer: probe
    // timeout + 2 s): nothing pages for a host or a zone, nothing asks to reboot one; only
    // the observer's own incident speaks.
    const holdMs = Math.max(d.escalationMs('network_issue') + 1000, d.sshTimeoutMs + 2000 + 1500);
    const paging = (e: { subject: string; receivedAt: number }) =>
      e.receivedAt >= faultAt &&
      (e.subject.startsWith('vigil.v1.escalation.') || e.subject.startsWith('vigil.v1.action.')) &&
      !e.subject.endsWith(`.${hostToken(OBSERVER)}`);
    await holdsFor(
      () => {
        const storm = d.watcher.events.filter(paging).map((e) => e.subject);
        if (storm.length > 0) throw new Error(`paged beyond the observer: ${storm.join(', ')}`);
      },
      { durationMs: holdMs, intervalMs: 100, what: 'no host or zone paged' },
    );
    const partitions = d.watcher.events.filter((e) => e.receivedAt >= faultAt && incidentData(e)?.class === 'observer_partition' && e.subject.startsWith('vigil.v1.incident.opened.'));
    expect(partitions).toHaveLength(1);

    // Host incidents opened before the pattern was clear are explained by the partition.
    const { incidents } = await d.api.get<{ incidents: IncidentDetail[] }>('/v1/incidents?limit=100');
    const others = incidents.filter((i) => i.id !== id && i.state !== 'resolved');
    for (const i of others) expect(i.parentId, `${i.id} (${i.hostId}, ${i.class}) is not explained by ${id}`).toBe(id);
    console.log(`[observe] incidents during the partition: ${JSON.stringify(incidents.map((i) => [i.hostId, i.class, i.level, i.parentId]))}`);

    await d.net.restoreCoordinator();
    await d.waitStates(Object.fromEntries(HOSTS.map((h) => [h, 'online'])), 30_000);
    const resolved = await d.waitEvent(subjects.incident('resolved', OBSERVER), { since: opened.receivedAt, timeoutMs: 20_000, pred: (x) => x?.incidentId === id });
    expect(incidentData(resolved)).toMatchObject({ state: 'resolved' });
    if (figure) recordFigures(figuresOf(d, { drill: figure, title: 'coordinator side cut → observer_partition', faultAt, host: HOSTS[0]!, incidentId: id, goalMs }));

    const stored = await d.stream();
    expect(duplicateIds(stored)).toEqual([]);
    const counts = subjectCounts(stored, id);
    expect(counts[subjects.incident('opened', OBSERVER)]).toBe(1);
    expect(counts[subjects.escalation(1, 'observer_partition', OBSERVER)]).toBe(1);
    expect(counts[subjects.incident('resolved', OBSERVER)]).toBe(1);
    const stormInStream = stored.filter((m) => (m.subject.startsWith('vigil.v1.escalation.') || m.subject.startsWith('vigil.v1.action.')) && !m.subject.endsWith(`.${hostToken(OBSERVER)}`));
    expect(stormInStream.map((m) => m.subject)).toEqual([]);
  }

  it('drill 6 - cutting the coordinator side of the bridge opens one observer_partition and pages no host', async () => {
    await partitionDrill('6');
  });

  // Real fleets label zones. Two hosts of one zone diagnosed as network_issue during the
  // partition must not open a paging zone incident either.
  it('drill 6 - the same with every host in one zone: no zone incident pages', async () => {
    for (const h of d.hosts.values()) {
      await h.agent!.stop();
      h.spec.labels = { zone: 'z1' };
      d.startAgent(h.id);
    }
    await d.waitStates(Object.fromEntries(HOSTS.map((h) => [h, 'online'])), 20_000);
    await partitionDrill(undefined);
  });
});

/**
 * Drill 11: the reverse case. Three hosts of zone `a` are cut off (their links go down)
 * while the two hosts of zone `b` keep heartbeating to the coordinator. Three of five
 * hosts silent at once is enough to suspect the coordinator, but the hosts still
 * connected and the peer vantages (zone `b`'s agents cannot reach zone `a` either) say
 * the hosts are really down: one zone incident with each host's own incident under it,
 * and no observer_partition.
 */
const ZONE_A = ['a-1', 'a-2', 'a-3'];
const ZONE_B = ['b-1', 'b-2'];
const ZONE_COORDINATOR = 'drill-zo';

describe.skipIf(!canRunNetnsTests())('drills - a zone is cut off, the coordinator is not', () => {
  let d: Drill;
  dumpLogsOnFailure();

  beforeAll(async () => {
    d = await Drill.start({
      tag: 'zo',
      coordinatorId: ZONE_COORDINATOR,
      hosts: [...ZONE_A.map((id) => ({ id, ssh: false, labels: { zone: 'a' } })), ...ZONE_B.map((id) => ({ id, ssh: false, labels: { zone: 'b' } }))],
    });
  }, 60_000);
  afterAll(() => d?.teardown());

  it('drill 11 - three hosts of one zone cut off, two others heartbeating: a zone incident with three children, no observer_partition', async () => {
    const faultAt = performance.now();
    for (const h of ZONE_A) await d.net.cutHost(d.host(h).net);
    for (const h of ZONE_A) await d.waitEvent(subjects.silent(h), { since: faultAt, timeoutMs: 5000 });

    const zoneOpened = await d.waitEvent(subjects.incident('opened', 'zone:a'), { since: faultAt, timeoutMs: 15_000 });
    const zoneId = incidentData(zoneOpened)!.incidentId;
    expect(incidentData(zoneOpened)).toMatchObject({ class: 'network_issue', hostId: 'zone:a', parentId: null });
    // Every silent host has its own incident, explained by the zone's.
    const children = await waitFor(
      async () => {
        const { incidents } = await d.api.get<{ incidents: IncidentDetail[] }>('/v1/incidents?limit=100');
        const own = ZONE_A.map((h) => incidents.find((i) => i.hostId === h && i.state !== 'resolved'));
        return own.every((i) => i?.parentId === zoneId) ? (own as IncidentDetail[]) : undefined;
      },
      { timeoutMs: 15_000, what: `an incident for each of ${ZONE_A.join(', ')} under ${zoneId}`, observe: async () => (await d.api.get<{ incidents: IncidentDetail[] }>('/v1/incidents?limit=100')).incidents.map((i) => [i.hostId, i.class, i.parentId]) },
    );
    for (const c of children) expect(c.class).toBe('network_issue');
    const detail = await d.incident(children[0]!.id);
    const peers = (detail.diagnosis?.vantages ?? []).filter((v) => v.kind === 'peer' && v.healthy);
    expect(peers.length, 'healthy peers of zone b probed the silent host').toBeGreaterThan(0);
    for (const v of peers) expect(v.ping?.ok, JSON.stringify(v)).toBe(false);

    // Past the end of every diagnosis (peers that never answer: probe timeout + 2 s), the
    // coordinator never blamed itself.
    await holdsFor(
      () => {
        const blamed = d.watcher.events.filter((e) => e.receivedAt >= faultAt && incidentData(e)?.class === 'observer_partition');
        if (blamed.length > 0) throw new Error(`observer_partition: ${blamed.map((e) => e.subject).join(', ')}`);
      },
      { durationMs: d.sshTimeoutMs + 3000, intervalMs: 100, what: 'no observer_partition' },
    );
    const states = await d.states();
    for (const h of ZONE_B) expect(states[h]).toBe('online');
    const { incidents } = await d.api.get<{ incidents: IncidentDetail[] }>('/v1/incidents?limit=100');
    console.log(`[observe] zone outage: ${JSON.stringify(incidents.map((i) => [i.hostId, i.class, i.level, i.parentId]))}`);
    expect(incidents.filter((i) => i.class === 'observer_partition')).toEqual([]);
    expect(incidents.filter((i) => i.parentId === zoneId).map((i) => i.hostId).sort()).toEqual(ZONE_A);
    recordFigures(figuresOf(d, { drill: '11', title: 'zone cut off → zone incident, no observer_partition', faultAt, host: ZONE_A[0]!, incidentId: zoneId, goalMs: classificationGoalMs(d, false) }));

    for (const h of ZONE_A) await d.net.restoreHost(d.host(h).net);
    await d.waitStates(Object.fromEntries(ZONE_A.map((h) => [h, 'online'])), 30_000);
  });
});
