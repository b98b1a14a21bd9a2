import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostToken } from '@vigil/shared';
import { Fleet, dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { getHost, getRaw, listHosts } from '../helpers/http.js';
import { report } from '../helpers/measure.js';
import { readStream, type ReceivedEvent } from '../helpers/nats-watch.js';
import { holdsFor, waitFor } from '../helpers/poll.js';
import { rssBytes } from '../helpers/processes.js';

/**
 * One fleet, three agents at 500 ms: each test takes a different agent down a different
 * way (SIGKILL, SIGSTOP, SIGTERM) and checks what the coordinator reports, over HTTP and
 * on NATS.
 */
const CRASHED = 'web-2.eu.example.com'; // dots in the id: the subject uses web-2_eu_example_com
const FROZEN = 'web-1';
const LEAVING = 'db-1';

describe('silent-host detection', () => {
  let fleet: Fleet;
  dumpLogsOnFailure();

  beforeAll(async () => {
    fleet = await Fleet.start({ hostIds: [CRASHED, FROZEN, LEAVING], interval: '500ms' });
  });
  afterAll(() => teardown(fleet));

  const subjectOf = (state: string, hostId: string) => `vigil.v1.host.${state}.${hostToken(hostId)}`;
  const isEvent = (state: string, hostId: string) => (e: ReceivedEvent) => e.subject === subjectOf(state, hostId);

  it('fleet - three agents show online with a last-seen time and a sample', async () => {
    const hosts = await listHosts(fleet.coordinator.baseUrl);
    expect(hosts.map((h) => h.id).sort()).toEqual([CRASHED, FROZEN, LEAVING].sort());
    for (const h of hosts) {
      expect(h.state).toBe('online');
      expect(h.lastSeen).not.toBeNull();
      expect(Number.isNaN(Date.parse(h.lastSeen!))).toBe(false);
    }
    const detail = await waitFor(async () => {
      const h = await getHost(fleet.coordinator.baseUrl, FROZEN);
      return h.latestSample ? h : undefined;
    }, { timeoutMs: 3000, what: `a resource sample for ${FROZEN}` });
    expect(detail.id).toBe(FROZEN);
    expect(detail.history).toEqual([expect.objectContaining({ to: 'online' })]);

    const rss = await rssBytes(fleet.coordinator.pid);
    report('coordinator_rss_3_agents', rss / 1024 / 1024, 'MB');
    expect(rss).toBeLessThan(250 * 1024 * 1024);
  });

  it('api - healthz, Prometheus metrics, OpenAPI document and 404 for an unknown host', async () => {
    const base = fleet.coordinator.baseUrl;
    expect((await getRaw(`${base}/healthz`)).status).toBe(200);
    const metrics = await getRaw(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/^# TYPE \w+ (counter|gauge|histogram|summary)$/m);
    const openapi = JSON.parse((await getRaw(`${base}/openapi.json`)).body) as { openapi?: string; paths?: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths ?? {})).toEqual(expect.arrayContaining(['/v1/hosts', '/v1/hosts/{id}']));
    const missing = await getRaw(`${base}/v1/hosts/no-such-host`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it('crash - kill -9 of an agent publishes a silent event within 1.5 s and the API shows it silent', async () => {
    const agent = fleet.agent(CRASHED);
    const killedAt = performance.now();
    agent.child.signal('SIGKILL');

    const silent = await fleet.watcher.waitForEvent(isEvent('silent', CRASHED), { since: killedAt, timeoutMs: 5000, what: `${subjectOf('silent', CRASHED)}` });
    const latency = silent.receivedAt - killedAt;
    report('kill_to_silent_event', latency, 'ms');
    const suspect = fleet.watcher.events.find((e) => e.receivedAt >= killedAt && isEvent('suspect', CRASHED)(e));
    if (suspect) report('kill_to_suspect_event', suspect.receivedAt - killedAt, 'ms');
    expect(latency).toBeLessThanOrEqual(1500);

    // The event is a CloudEvent about this host, deduplicated by its id.
    expect(silent.event).toMatchObject({
      specversion: '1.0',
      data: { hostId: CRASHED, state: 'silent' },
    });
    const ce = silent.event!;
    expect(typeof ce.id).toBe('string');
    expect(ce.id.length).toBeGreaterThan(0);
    expect(typeof ce.source).toBe('string');
    expect(typeof ce.type).toBe('string');
    expect(Number.isNaN(Date.parse(ce.time))).toBe(false);
    expect(silent.msgId).toBe(ce.id);

    // The stream broke without Goodbye: suspect first, at once, then silent.
    expect(suspect, 'a suspect event before the silent one').toBeDefined();
    expect(suspect!.receivedAt).toBeLessThanOrEqual(silent.receivedAt);
    expect(suspect!.event?.data.previousState).toBe('online');
    expect(ce.data.previousState).toBe('suspect');

    await fleet.waitForStates({ [CRASHED]: 'silent' }, 2000);
    const detail = await getHost(fleet.coordinator.baseUrl, CRASHED);
    const history = [...detail.history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    expect(history.map((t) => `${t.from}→${t.to}`).slice(-2)).toEqual(['online→suspect', 'suspect→silent']);

    // Nobody else is affected.
    const states = await fleet.waitForStates({ [FROZEN]: 'online', [LEAVING]: 'online' }, 1000);
    expect(states[CRASHED]).toBe('silent');

    // The same event is in JetStream, once.
    const stored = await waitFor(async () => {
      const all = await readStream(fleet.nats.url);
      return all.some((m) => m.event?.id === ce.id) ? all : undefined;
    }, { timeoutMs: 3000, what: `event ${ce.id} in the VIGIL stream` });
    expect(stored.filter((m) => m.event?.id === ce.id)).toHaveLength(1);
  });

  it('events - a host link in an event points at the API the coordinator really listens on', async () => {
    const silent = fleet.watcher.forHost(hostToken(CRASHED), 'silent')[0];
    expect(silent, 'the silent event of the crash test').toBeDefined();
    const data = silent!.event!.data as unknown as Record<string, unknown>;
    if (data.url === undefined) return; // events need not carry a link
    expect(data.url).toBe(`${fleet.coordinator.baseUrl}/v1/hosts/${encodeURIComponent(CRASHED)}`);
  });

  it('freeze - SIGSTOP makes a host silent within 3 s, SIGCONT brings it back online', async () => {
    const agent = fleet.agent(FROZEN);
    const stoppedAt = performance.now();
    agent.freeze();

    const silent = await fleet.watcher.waitForEvent(isEvent('silent', FROZEN), { since: stoppedAt, timeoutMs: 3000, what: subjectOf('silent', FROZEN) });
    report('sigstop_to_silent_event', silent.receivedAt - stoppedAt, 'ms');
    expect(silent.event?.data).toMatchObject({ hostId: FROZEN, state: 'silent' });
    await fleet.waitForStates({ [FROZEN]: 'silent' }, Math.max(100, 3000 - (performance.now() - stoppedAt)));
    // A frozen host must not be mistaken for one that left.
    expect(fleet.watcher.forHost(hostToken(FROZEN), 'left')).toHaveLength(0);

    const continuedAt = performance.now();
    agent.thaw();
    const online = await fleet.watcher.waitForEvent(isEvent('online', FROZEN), { since: continuedAt, timeoutMs: 3000, what: subjectOf('online', FROZEN) });
    report('sigcont_to_online_event', online.receivedAt - continuedAt, 'ms');
    expect(online.event?.data).toMatchObject({ hostId: FROZEN, state: 'online', previousState: 'silent' });
    await fleet.waitForStates({ [FROZEN]: 'online' }, 2000);
    // It stays online: heartbeats flow again.
    await holdsFor(async () => (await getHost(fleet.coordinator.baseUrl, FROZEN)).state === 'online', { durationMs: 1500, intervalMs: 100, what: `${FROZEN} online` });
  });

  it('leave - SIGTERM marks a host left and never silent', async () => {
    const agent = fleet.agent(LEAVING);
    const termAt = performance.now();
    const exit = await agent.stop();
    expect(exit, agent.output()).toEqual({ code: 0, signal: null });

    const left = await fleet.watcher.waitForEvent(isEvent('left', LEAVING), { since: termAt, timeoutMs: 3000, what: subjectOf('left', LEAVING) });
    report('sigterm_to_left_event', left.receivedAt - termAt, 'ms');
    expect(left.event?.data).toMatchObject({ hostId: LEAVING, state: 'left', previousState: 'online' });
    await fleet.waitForStates({ [LEAVING]: 'left' }, 2000);

    // Past the disconnect grace and two intervals: still left, no silent or suspect event.
    await holdsFor(
      async () => {
        const bad = fleet.watcher.events.filter((e) => e.receivedAt >= termAt && (isEvent('silent', LEAVING)(e) || isEvent('suspect', LEAVING)(e)));
        if (bad.length > 0) throw new Error(`unexpected ${bad.map((e) => e.subject).join(', ')}`);
        const h = await getHost(fleet.coordinator.baseUrl, LEAVING);
        if (h.state !== 'left') throw new Error(`state is ${h.state}`);
      },
      { durationMs: 2500, intervalMs: 100, what: `${LEAVING} left and not silent` },
    );
    const stored = await readStream(fleet.nats.url);
    expect(stored.filter((m) => m.subject === subjectOf('silent', LEAVING))).toEqual([]);
  });
});
