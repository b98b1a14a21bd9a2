import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { escalationSubject, incidentEvent, incidentSubject, type IncidentEventName } from '../../packages/coordinator/src/incidents/incident-events.js';
import type { Incident, Level } from '../../packages/coordinator/src/incidents/types.js';
import { hostStateEvent } from '../../packages/coordinator/src/registry/host-events.js';
import { Alertmanager, alertmanagerBinary } from '../helpers/alertmanager.js';
import { NatsServer } from '../helpers/nats-server.js';
import { EventWatcher } from '../helpers/nats-watch.js';
import { NotifyProcess, StreamPublisher } from '../helpers/notify.js';
import { RecordingReceiver, startEventsV2Receiver } from '../helpers/notify-receivers.js';
import { waitFor } from '../helpers/poll.js';
import { describeChildren, stopAllChildren } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

/**
 * vigil-notify as a process between a real nats-server and real receivers on loopback.
 * The events are built by the coordinator's own code (incident-events.ts) and published
 * as its outbox publishes them, so notify reads exactly what a coordinator sends.
 */

let nats: NatsServer;
let pub: StreamPublisher;
let pd: Awaited<ReturnType<typeof startEventsV2Receiver>>;
let hook: RecordingReceiver;
const am = alertmanagerBinary();
// Without the binary (not installed by scripts/setup.sh here) the Alertmanager route is left out, and said so.
if (!am) console.warn('notify e2e: prometheus-alertmanager not installed (apt-get install -y prometheus-alertmanager); its receiver is left out of these tests');
let alertmanager: Alertmanager | undefined;
let notify: NotifyProcess | undefined;

function incident(id: string, level: Level, over: Partial<Incident> = {}): Incident {
  const hostId = over.hostId ?? `web-${id}`;
  return {
    id,
    hostId,
    service: 'nginx',
    subject: { kind: 'service', hostId, service: 'nginx' },
    class: 'service_failure',
    state: 'open',
    level,
    confidence: 0.9,
    summary: 'nginx.service failed',
    rootCause: { cause: 'configuration_error', diagnosis: 'unknown directive', fix: 'fix nginx.conf', prevention: '', excerpt: '', source: 'journal', service: 'nginx' },
    diagnosis: null,
    openedAt: Date.now(),
    updatedAt: Date.now(),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolution: null,
    nextEscalationAt: null,
    clearSince: null,
    parentId: null,
    predictionId: null,
    flapping: false,
    conditionChanges: [],
    ...over,
  };
}

const DOWN_MS = Number(process.env.NOTIFY_DOWN_MS ?? 60_000);

const OPTS = { source: 'vigil-coordinator/e2e', apiBase: 'http://127.0.0.1:7401', silenced: false };

/** What the coordinator publishes when an incident enters a level (announceLevel). */
async function escalate(i: Incident): Promise<void> {
  const ev = incidentEvent(i, 'escalated', { ...OPTS, at: Date.now(), reason: `level ${i.level}`, type: `vigil.v1.escalation.l${i.level}` });
  await pub.publish(escalationSubject(i.level, i.class, i.hostId), ev);
}

/** What the coordinator publishes when an incident is acknowledged or resolved (emit). */
async function lifecycle(i: Incident, event: IncidentEventName): Promise<void> {
  const state = event === 'resolved' ? 'resolved' : event === 'acknowledged' ? 'acknowledged' : i.state;
  await pub.publish(incidentSubject(event, i.hostId), incidentEvent({ ...i, state }, event, { ...OPTS, at: Date.now(), reason: event }));
}

/** Waits until notify has declared its durable consumer on the server. */
async function consumerReady(n: NotifyProcess): Promise<void> {
  const name = /consumer: (\S+)/.exec(readFileSync(n.configFile, 'utf8'))![1]!;
  await waitFor(() => pub.consumer(name).then(() => true), { timeoutMs: 15_000, what: `consumer ${name}`, observe: () => n.child.output() });
}

/** (dedup_key, action) → how many times the Events-v2 receiver accepted it. */
function pdCounts(): Map<string, number> {
  const m = new Map<string, number>();
  for (const q of pd.accepted()) {
    const b = q.json as { dedup_key: string; event_action: string; payload?: { severity: string } };
    const key = `${b.dedup_key} ${b.event_action}${b.payload ? ` ${b.payload.severity}` : ''}`;
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

function config(consumer: string, extra = ''): string {
  return `logLevel: info
listen: 127.0.0.1:0
nats:
  servers: [${nats.url}]
  consumer: ${consumer}
  ackWait: 5s
  maxAckPending: 64
receivers:
  - name: pager
    type: pagerduty
    url: ${pd.url('/v2/enqueue')}
    routingKey: R0123456789abcdef0123456789abcd
    timeout: 2s
    retry: { maxAttempts: 100, initialBackoff: 100ms, maxBackoff: 1s }
  - name: hook
    type: webhook
    url: ${hook.url('/hook')}
    secret: e2e-secret-0123456789
    timeout: 2s
    retry: { maxAttempts: 100, initialBackoff: 100ms, maxBackoff: 1s }
${am ? `  - name: am\n    type: alertmanager\n    url: ${alertmanager!.url}\n` : ''}${extra}
route:
  receiver: hook
  routes:
    - match: { level: [2, 3] }
      receiver: pager
      continue: true
${am ? '    - match: { level: 3 }\n      receiver: am\n      continue: true\n' : ''}`;
}

beforeAll(async () => {
  nats = await NatsServer.start();
  pub = await StreamPublisher.start(nats.url);
  pd = await startEventsV2Receiver();
  hook = await RecordingReceiver.start();
  if (am) alertmanager = await Alertmanager.start();
}, 60_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(describeChildren());
  await notify?.child.stop();
  notify = undefined;
  pd.requests.length = 0;
  hook.requests.length = 0;
  pd.failing = false;
});

afterAll(async () => {
  await stopAllChildren();
  await pub?.close();
  await alertmanager?.stop();
  await pd?.close();
  await hook?.close();
  await nats?.dispose();
  removeTempDirs();
});

describe('vigil-notify - end to end with real processes', () => {
  it('an incident climbing to level 3: one page per level per routed receiver, in order; resolve reaches the paged receivers', async () => {
    const watch = await EventWatcher.start(nats.url, 'vigil.v1.notify.>');
    notify = NotifyProcess.start(config('e2e-climb'));
    await consumerReady(notify);
    const i = incident('climb-1', 1, { hostId: 'db-1' });
    await escalate(i);
    await escalate({ ...i, level: 2 });
    await escalate({ ...i, level: 3 });
    // A coordinator that publishes the same event again (lost ack) and a redelivery change nothing.
    await escalate({ ...i, level: 3 });
    await lifecycle({ ...i, level: 3 }, 'resolved');

    await waitFor(() => pd.accepted().length === 3, { timeoutMs: 15_000, what: 'L2, L3 and resolve at the Events-v2 receiver', observe: () => pd.requests.map((q) => q.json) });
    expect(pd.accepted().map((q) => q.json as { event_action: string; dedup_key: string; payload?: { severity: string } }).map((b) => [b.event_action, b.dedup_key, b.payload?.severity])).toEqual([
      ['trigger', 'climb-1', 'error'],
      ['trigger', 'climb-1', 'critical'],
      ['resolve', 'climb-1', undefined],
    ]);
    // The webhook is the default route: only level 1 reaches it, then the resolution.
    await waitFor(() => hook.accepted().length === 2, { timeoutMs: 10_000, what: 'level 1 and resolve at the webhook', observe: () => hook.requests.map((q) => q.headers['x-vigil-delivery']) });
    expect(hook.accepted().map((q) => q.headers['x-vigil-delivery'])).toEqual(['climb-1/L1/hook', 'climb-1/resolve/hook']);
    // Receipts: one per delivery, on vigil.v1.notify.delivered.<receiver>.
    const expected = ['hook L1', 'pager L2', 'pager L3', 'hook resolve', 'pager resolve', ...(alertmanager ? ['am L3', 'am resolve'] : [])].sort();
    const receipts = () => watch.events.filter((e) => e.subject.startsWith('vigil.v1.notify.delivered.')).map((e) => JSON.parse(e.raw) as { data: { receiver: string; action: string; incidentId: string } });
    await waitFor(() => receipts().length >= expected.length, { timeoutMs: 10_000, what: 'delivery receipts', observe: () => receipts().map((r) => r.data) });
    expect(receipts().map((r) => `${r.data.receiver} ${r.data.action}`).sort()).toEqual(expected);
    if (alertmanager) {
      // Level 3 reached Alertmanager and the resolution ended it there.
      await waitFor(async () => (await alertmanager!.alerts()).filter((x) => x.labels['incident'] === 'climb-1' && Date.parse(x.endsAt) > Date.now()).length === 0, { timeoutMs: 10_000, what: 'the level 3 alert resolved in Alertmanager' });
    }
    await waitFor(async () => (await pub.consumer('e2e-climb')).ackPending === 0, { timeoutMs: 10_000 });
    expect(pd.accepted()).toHaveLength(3);
    expect(hook.accepted()).toHaveLength(2);
    await watch.close();
    // The repeat of level 3 was skipped and counted; deliveries are counted by receiver and action.
    const port = await waitFor(() => /"metricsPort":(\d+)/.exec(notify!.child.stdout.text())?.[1]);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('vigil_notify_deliveries_total{receiver="pager",action="L3",outcome="delivered"} 1');
    expect(metrics).toContain('vigil_notify_repeats_skipped_total{receiver="pager"} 1');
    expect(metrics).toMatch(/vigil_notify_delivery_latency_seconds_count\{receiver="pager"\} 3/);
  }, 60_000);

  it('a host whose last state change predates the consumer is still routed by its labels (read from the stream at start)', async () => {
    // As the coordinator publishes it: vigil.v1.host.online.<host> with the host's labels.
    const { subject, event } = hostStateEvent(
      { hostId: 'old-host', from: null, to: 'online', reason: 'first hello', at: Date.now() } as never,
      { hostname: 'old-host', labels: { zone: 'eu-2', role: 'db' }, lastSeen: Date.now() } as never,
      'vigil-coordinator/e2e',
      'http://127.0.0.1:7401',
    );
    await pub.publish(subject, event);
    notify = NotifyProcess.start(config('e2e-seed'));
    await consumerReady(notify);
    await waitFor(() => notify!.logLines(/host labels read from the stream/).length > 0, { timeoutMs: 15_000, observe: () => notify!.child.output() });
    expect(notify.logLines(/host labels read from the stream/)[0]).toMatchObject({ added: 1 });
    await escalate(incident('seed-1', 2, { hostId: 'old-host' }));
    await waitFor(() => pd.accepted().length === 1, { timeoutMs: 15_000, what: 'the page' });
    expect((pd.accepted()[0]!.json as { payload: { group: string } }).payload.group).toBe('eu-2');
  }, 60_000);

  it('kill -9 in the middle of a burst of 200 escalations: after a restart every page is delivered once', async () => {
    // warn: the lines that matter here (outcome unknown after the restart) must not be pushed out of the log buffer.
    notify = NotifyProcess.start(config('e2e-kill').replace('logLevel: info', 'logLevel: warn'));
    await consumerReady(notify);
    const ids = Array.from({ length: 200 }, (_, n) => `burst-${n}`);
    // A receiver that takes 10-30 ms to answer, so the kill lands with pages in flight.
    pd.delayMs = 20;
    for (const id of ids) await escalate(incident(id, 3));
    await waitFor(() => pd.accepted().length >= 40, { timeoutMs: 30_000, what: '40 pages before the kill', observe: () => pd.accepted().length });
    await notify.child.kill();
    const atKill = pd.accepted().length;
    notify.restart();
    await waitFor(() => new Set(pd.accepted().map((q) => (q.json as { dedup_key: string }).dedup_key)).size === 200, {
      timeoutMs: 60_000,
      what: 'every page after the restart',
      observe: () => ({ pages: pd.accepted().length, notify: notify!.child.output() }),
    });
    await waitFor(async () => {
      const c = await pub.consumer('e2e-kill');
      return c.pending === 0 && c.ackPending === 0;
    }, { timeoutMs: 30_000, what: 'the consumer drained' });
    const counts = pdCounts();
    const repeated = [...counts].filter(([, n]) => n > 1).map(([k]) => k.split(' ')[0]!);
    // The pages the restarted process found recorded as "sending": under way when it died.
    const unknown = notify.logLines(/outcome of an earlier attempt is unknown/).filter((l) => l['receiver'] === 'pager').map((l) => String(l['incidentId']));
    console.log(`kill -9 burst: ${atKill} pages before the kill, ${pd.accepted().length} accepted in all; ${unknown.length} under way at the kill, ${repeated.length} of them had reached the receiver`);
    expect(counts.size).toBe(200);
    expect([...counts.keys()].every((k) => k.endsWith('trigger critical'))).toBe(true);
    // A page repeats only if it was on the wire when the process died (its outcome unknown),
    // and then with the same dedup_key (the incident id), which PagerDuty folds into one alert.
    expect(repeated.every((id) => unknown.includes(id))).toBe(true);
    expect(unknown.length).toBeLessThanOrEqual(64);
    pd.delayMs = 0;
  }, 120_000);

  it('a receiver answering 500 for a while: everything is delivered after, none twice', async () => {
    notify = NotifyProcess.start(config('e2e-500'));
    await consumerReady(notify);
    pd.failing = true;
    const ids = Array.from({ length: 30 }, (_, n) => `down-${n}`);
    for (const id of ids) await escalate(incident(id, 2));
    for (const id of ids.slice(0, 10)) await lifecycle(incident(id, 2), 'resolved');
    const failedAt = Date.now();
    // Down for DOWN_MS (60 s as the issue states it; NOTIFY_DOWN_MS shortens it on a laptop).
    await waitFor(() => Date.now() - failedAt >= DOWN_MS, { timeoutMs: DOWN_MS + 5000, intervalMs: 500 });
    expect(pd.accepted()).toHaveLength(0);
    expect(pd.requests.length).toBeGreaterThan(40);
    pd.failing = false;
    await waitFor(() => pd.accepted().length === 40, { timeoutMs: 30_000, what: '30 pages and 10 resolves', observe: () => pd.accepted().length });
    await waitFor(async () => (await pub.consumer('e2e-500')).ackPending === 0, { timeoutMs: 10_000 });
    const counts = pdCounts();
    expect(counts.size).toBe(40);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // In order per incident: each resolve after its page.
    const seq = pd.accepted().map((q) => q.json as { dedup_key: string; event_action: string });
    for (const id of ids.slice(0, 10)) {
      expect(seq.findIndex((b) => b.dedup_key === id && b.event_action === 'trigger')).toBeLessThan(seq.findIndex((b) => b.dedup_key === id && b.event_action === 'resolve'));
    }
    console.log(`receiver down ${DOWN_MS} ms, all delivered ${Date.now() - failedAt - DOWN_MS} ms after it came back: ${pd.requests.length - 40} refused attempts, then 40 delivered once each`);
  }, DOWN_MS + 60_000);

  it('nats-server restarted in the middle of a burst: no page lost, none twice', async () => {
    notify = NotifyProcess.start(config('e2e-nats'));
    await consumerReady(notify);
    for (let n = 0; n < 50; n++) await escalate(incident(`nats-${n}`, 2));
    await nats.restart();
    await waitFor(() => pub.nc.isClosed() === false && !!pub.nc.info, { timeoutMs: 10_000 });
    for (let n = 50; n < 100; n++) {
      await waitFor(
        async () => {
          await escalate(incident(`nats-${n}`, 2));
          return true;
        },
        { timeoutMs: 15_000, what: `publish nats-${n} after the restart` },
      );
    }
    await waitFor(() => pdCounts().size === 100, { timeoutMs: 60_000, what: '100 pages', observe: () => ({ n: pdCounts().size, notify: notify!.child.output() }) });
    await waitFor(async () => {
      const c = await pub.consumer('e2e-nats');
      return c.pending === 0 && c.ackPending === 0;
    }, { timeoutMs: 30_000 });
    expect([...pdCounts().values()].every((n) => n === 1)).toBe(true);
  }, 120_000);
});
