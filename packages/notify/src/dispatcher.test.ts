import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, FakeClock, type CloudEvent } from '@vigil/shared';
import { parseNotifyConfig } from './config.js';
import { backoffDelay, Dispatcher, DispatchStopped, type ReceiverEntry } from './dispatcher.js';
import { DeliveryError, type Notification, type Receiver } from './receivers/index.js';
import { DeliveryStore } from './store.js';
import { notifyEvent } from './test-support/events.js';
import { waitFor } from '../../../test/helpers/poll.js';

/** A receiver whose answers the test scripts: it records every attempt. */
class ScriptedReceiver implements Receiver {
  readonly type = 'scripted';
  sent: Notification[] = [];
  attempts = 0;
  /** Errors to throw, one per attempt, before it accepts. */
  failures: DeliveryError[] = [];
  constructor(readonly name: string) {}
  async send(n: Notification): Promise<void> {
    this.attempts++;
    const f = this.failures.shift();
    if (f) throw f;
    this.sent.push(n);
  }
}

const CONFIG = parseNotifyConfig(`
receivers:
  - { name: pager, type: pagerduty, routingKey: k, fallback: mail, retry: { maxAttempts: 4, initialBackoff: 1s, maxBackoff: 4s } }
  - { name: chat, type: slack, url: "http://127.0.0.1:1/s" }
  - { name: mail, type: email, host: 127.0.0.1, from: v@x.test, to: o@x.test }
route:
  receiver: chat
  routes:
    - { match: { level: 3 }, receiver: pager, continue: true }
    - { receiver: chat }
`);

let dir: string;
let store: DeliveryStore;
let clock: FakeClock;
let r: Record<'pager' | 'chat' | 'mail', ScriptedReceiver>;
let receipts: { subject: string; event: CloudEvent }[];
let dispatcher: Dispatcher;

function build(): Dispatcher {
  const entries = new Map<string, ReceiverEntry>(
    CONFIG.receivers.map((c) => [c.name, { receiver: r[c.name as keyof typeof r], retry: c.retry, fallback: c.fallback }]),
  );
  return new Dispatcher({ route: CONFIG.route, zoneLabel: 'zone', source: 'test' }, entries, store, { publish: (subject, event) => receipts.push({ subject, event }) }, clock, createLogger('test', 'silent'), undefined, () => 0.5);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-notify-dispatch-'));
  store = new DeliveryStore(dir);
  clock = new FakeClock(Date.parse('2026-12-03T08:00:00Z'));
  r = { pager: new ScriptedReceiver('pager'), chat: new ScriptedReceiver('chat'), mail: new ScriptedReceiver('mail') };
  receipts = [];
  dispatcher = build();
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Lets promise callbacks run, then moves the fake clock, until `p` settles. */
async function drive<T>(p: Promise<T>, stepMs = 500, maxSteps = 200): Promise<T> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < maxSteps && !done; i++) {
    await new Promise((res) => setImmediate(res));
    if (!done) clock.advance(stepMs);
  }
  return p;
}

describe('dispatcher - once per incident, level and receiver', () => {
  it('pages each routed receiver once; the same event again pages nobody', async () => {
    const e = notifyEvent('trigger', { level: 3 });
    expect(await dispatcher.handle(e)).toEqual([
      { receiver: 'pager', result: 'delivered', attempts: 1 },
      { receiver: 'chat', result: 'delivered', attempts: 1 },
    ]);
    expect(await dispatcher.handle(e)).toEqual([
      { receiver: 'pager', result: 'already', status: 'delivered' },
      { receiver: 'chat', result: 'already', status: 'delivered' },
    ]);
    expect(r.pager.sent).toHaveLength(1);
    expect(r.chat.sent).toHaveLength(1);
    expect(receipts.map((x) => x.subject).sort()).toEqual(['vigil.v1.notify.delivered.chat', 'vigil.v1.notify.delivered.pager']);
    expect(receipts[0]!.event.data).toMatchObject({ incidentId: 'inc-1', action: 'L3', level: 3, attempts: 1 });
  });

  it('a restarted dispatcher on the same store file does not page again', async () => {
    const e = notifyEvent('trigger', { level: 2 });
    await dispatcher.handle(e);
    store.close();
    store = new DeliveryStore(dir);
    dispatcher = build();
    expect(await dispatcher.handle(e)).toEqual([{ receiver: 'chat', result: 'already', status: 'delivered' }]);
    expect(r.chat.sent).toHaveLength(1);
  });

  it('a page whose outcome is unknown (stopped mid-send) is sent again with the same delivery id', async () => {
    store.put({ incidentId: 'inc-1', action: 'L2', receiver: 'chat', level: 2, status: 'sending', attempts: 1, eventId: 'x', updatedAt: 0, error: null });
    await dispatcher.handle(notifyEvent('trigger', { level: 2 }));
    expect(r.chat.sent.map((n) => n.deliveryId)).toEqual(['inc-1/L2/chat']);
  });

  it('acknowledge and resolve go to the receivers paged for the incident, with the levels they got', async () => {
    await dispatcher.handle(notifyEvent('trigger', { level: 2 }));
    await dispatcher.handle(notifyEvent('trigger', { level: 3 }));
    await dispatcher.handle(notifyEvent('trigger', { level: 2, incidentId: 'other' }));
    const out = await dispatcher.handle(notifyEvent('resolve', { level: 3 }));
    expect(out.map((o) => o.receiver).sort()).toEqual(['chat', 'pager']);
    const resolves = [...r.chat.sent, ...r.pager.sent].filter((n) => n.kind === 'resolve');
    expect(resolves.map((n) => [n.deliveryId, n.pagedLevels])).toEqual(
      expect.arrayContaining([
        ['inc-1/resolve/chat', [2, 3]],
        ['inc-1/resolve/pager', [3]],
      ]),
    );
    expect(await dispatcher.handle(notifyEvent('resolve', { incidentId: 'never-paged' }))).toEqual([]);
  });

  it('a reopened incident is paged again, and its acknowledgement and resolution reach the receivers paged in that episode', async () => {
    /** The events of one incident as read from the stream, at increasing positions. */
    let seq = 0;
    const at = (e: ReturnType<typeof notifyEvent>) => ({ ...e, streamSeq: ++seq });
    const l2 = at(notifyEvent('trigger', { level: 2 }));
    const l3 = at(notifyEvent('trigger', { level: 3 }));
    await dispatcher.handle(l2);
    await dispatcher.handle(l3);
    const resolved = at(notifyEvent('resolve', { level: 3 }));
    await dispatcher.handle(resolved);
    // Reopened by a person: the coordinator announces its level again.
    const again = at(notifyEvent('trigger', { level: 3 }));
    expect(await dispatcher.handle(again)).toEqual([
      { receiver: 'pager', result: 'delivered', attempts: 1 },
      { receiver: 'chat', result: 'delivered', attempts: 1 },
    ]);
    expect(r.pager.sent.map((n) => `${n.kind} ${n.deliveryId}`)).toEqual(['trigger inc-1/L3/pager', 'resolve inc-1/resolve/pager', 'trigger inc-1/L3@1/pager']);
    // The receipt keeps the action the coordinator reads, and says which episode.
    expect(receipts.at(-1)!.event.data).toMatchObject({ incidentId: 'inc-1', action: 'L3', episode: 1 });

    // Events handed out again, before and after the resolution, are still repeats.
    for (const e of [l2, l3, resolved, again]) for (const o of await dispatcher.handle(e)) expect(o.result).toBe('already');
    // A restart keeps the episodes (they are in the store).
    store.close();
    store = new DeliveryStore(dir);
    dispatcher = build();
    expect((await dispatcher.handle(again)).map((o) => o.result)).toEqual(['already', 'already']);

    // The second episode ends like the first: only the receivers paged in it, with its levels.
    await dispatcher.handle(at(notifyEvent('acknowledge', { level: 3 })));
    await dispatcher.handle(at(notifyEvent('resolve', { level: 3 })));
    const second = [...r.chat.sent, ...r.pager.sent].filter((n) => n.deliveryId.includes('@1') && n.kind !== 'trigger');
    expect(second.map((n) => [n.deliveryId, n.pagedLevels]).sort()).toEqual([
      ['inc-1/acknowledge@1/chat', [3]],
      ['inc-1/acknowledge@1/pager', [3]],
      ['inc-1/resolve@1/chat', [3]],
      ['inc-1/resolve@1/pager', [3]],
    ]);
    expect(r.chat.sent.filter((n) => n.kind === 'resolve')).toHaveLength(2);
  });
});

describe('dispatcher - rate limit', () => {
  it('pages over the limit are held, never dropped: one summary lists them a window later, and they count as delivered', async () => {
    const entries = new Map<string, ReceiverEntry>([['chat', { receiver: r.chat, retry: { maxAttempts: 2, initialBackoff: 100, maxBackoff: 100 }, fallback: undefined, rateLimit: { pages: 2, perMs: 60_000 } }]]);
    const d = new Dispatcher({ route: CONFIG.route, zoneLabel: 'zone', source: 'test' }, entries, store, { publish: (subject, event) => receipts.push({ subject, event }) }, clock, createLogger('test', 'silent'), undefined, () => 0.5);
    const results = [];
    for (let n = 1; n <= 5; n++) results.push((await d.handle(notifyEvent('trigger', { level: 2, incidentId: `inc-${n}`, hostId: `web-${n}` })))[0]!.result);
    expect(results).toEqual(['delivered', 'delivered', 'held', 'held', 'held']);
    expect(r.chat.sent).toHaveLength(2);
    // The same event again is not a new page, whether it was delivered or held.
    expect((await d.handle(notifyEvent('trigger', { level: 2, incidentId: 'inc-4', hostId: 'web-4' })))[0]).toEqual({ receiver: 'chat', result: 'already', status: 'held' });
    clock.advance(60_000);
    await waitFor(() => r.chat.sent.length === 3, { timeoutMs: 2000 });
    const summary = r.chat.sent[2]!.event.incident;
    expect(summary.summary).toBe('3 more pages held by the rate limit (2 per 60 s): web-3, web-4, web-5');
    expect(summary.reason.split('\n')).toEqual([
      'web-3/nginx service_failure L2: nginx.service failed (inc-3)',
      'web-4/nginx service_failure L2: nginx.service failed (inc-4)',
      'web-5/nginx service_failure L2: nginx.service failed (inc-5)',
    ]);
    expect(store.counts()).toMatchObject({ held: 0, delivered: 6 });
    expect(receipts.filter((x) => x.subject === 'vigil.v1.notify.delivered.chat').map((x) => (x.event.data as { incidentId: string }).incidentId)).toEqual(
      expect.arrayContaining(['inc-1', 'inc-2', 'inc-3', 'inc-4', 'inc-5']),
    );
    // A held page was paged (in the summary): its resolution reaches the receiver.
    await d.handle(notifyEvent('resolve', { level: 2, incidentId: 'inc-4', hostId: 'web-4' }));
    expect(r.chat.sent.at(-1)!.deliveryId).toBe('inc-4/resolve/chat');
    d.stop();
  });
});

describe('dispatcher - grouping by zone', () => {
  it('pages of one zone within the wait become one message listing the hosts; a zone alone, and a page without zone, go out as themselves', async () => {
    const entries = new Map<string, ReceiverEntry>([['chat', { receiver: r.chat, retry: { maxAttempts: 2, initialBackoff: 100, maxBackoff: 100 }, fallback: undefined, groupWaitMs: 10_000 }]]);
    const d = new Dispatcher({ route: CONFIG.route, zoneLabel: 'zone', source: 'test' }, entries, store, { publish: (subject, event) => receipts.push({ subject, event }) }, clock, createLogger('test', 'silent'), undefined, () => 0.5);
    const page = (n: number, zone?: string) => d.handle(notifyEvent('trigger', { level: 2, incidentId: `inc-${n}`, hostId: `web-${n}` }, zone ? { zone } : {}));
    expect((await page(1, 'eu-1'))[0]!.result).toBe('held');
    expect((await page(2, 'eu-1'))[0]!.result).toBe('held');
    expect((await page(3, 'eu-1'))[0]!.result).toBe('held');
    expect((await page(4, 'us-1'))[0]!.result).toBe('held');
    expect((await page(5))[0]!.result).toBe('delivered');
    expect(r.chat.sent).toHaveLength(1);
    clock.advance(10_000);
    await waitFor(() => r.chat.sent.length === 3, { timeoutMs: 2000 });
    const [grouped, alone] = [r.chat.sent.find((n) => n.event.incident.incidentId.startsWith('vigil-notify:zone:eu-1'))!, r.chat.sent.find((n) => n.event.incident.incidentId === 'inc-4')!];
    expect(grouped.event.incident.summary).toBe('3 pages in zone eu-1 within 10 s: web-1, web-2, web-3');
    expect(alone.routePath).toBe('grouped by zone (us-1), alone');
    expect(store.counts()).toMatchObject({ held: 0, sending: 0 });
    d.stop();
  });
});

describe('dispatcher - failing receivers', () => {
  it('retries with capped, jittered backoff, then gives up to the fallback and publishes the failure', async () => {
    r.pager.failures = Array.from({ length: 4 }, () => new DeliveryError('HTTP 503', true));
    const started = clock.now();
    const out = await drive(dispatcher.handle(notifyEvent('trigger', { level: 3 })));
    expect(out[0]).toMatchObject({ receiver: 'pager', result: 'failed', attempts: 4, error: 'HTTP 503', fallback: { receiver: 'mail', result: 'delivered' } });
    // Waits of 0.75 × 1 s, 2 s, 4 s with jitter at its middle: 0.75 + 1.5 + 3 s.
    expect(clock.now() - started).toBeGreaterThanOrEqual(5250);
    expect(clock.now() - started).toBeLessThan(7000);
    expect(r.mail.sent[0]!.routePath).toMatch(/^fallback for pager/);
    expect(receipts.find((x) => x.subject === 'vigil.v1.notify.failed.pager')?.event.data).toMatchObject({ attempts: 4, error: 'HTTP 503', fallback: 'mail' });
    expect(receipts.some((x) => x.subject === 'vigil.v1.notify.delivered.mail')).toBe(true);
    // The fallback was paged, so it hears the resolution; the failed receiver is not tried again.
    await dispatcher.handle(notifyEvent('resolve', { level: 3 }));
    expect(r.mail.sent.map((n) => n.kind)).toEqual(['trigger', 'resolve']);
    expect(r.pager.attempts).toBe(4);
  });

  it('a refusal that a retry cannot fix goes to the fallback at once', async () => {
    r.pager.failures = [new DeliveryError('HTTP 400 invalid routing key', false)];
    const out = await dispatcher.handle(notifyEvent('trigger', { level: 3 }));
    expect(out[0]).toMatchObject({ result: 'failed', attempts: 1, fallback: { result: 'delivered' } });
  });

  it('a receiver that recovers gets the page after its retries, once', async () => {
    r.pager.failures = [new DeliveryError('ECONNREFUSED', true), new DeliveryError('ECONNREFUSED', true)];
    const out = await drive(dispatcher.handle(notifyEvent('trigger', { level: 3 })));
    expect(out[0]).toEqual({ receiver: 'pager', result: 'delivered', attempts: 3 });
    expect(r.pager.sent).toHaveLength(1);
    expect(r.mail.sent).toHaveLength(0);
  });

  it('stopping ends a wait between retries without recording a final outcome', async () => {
    r.pager.failures = [new DeliveryError('HTTP 503', true)];
    const p = dispatcher.handle(notifyEvent('trigger', { level: 3 }));
    await new Promise((res) => setImmediate(res));
    dispatcher.stop();
    await expect(p).rejects.toBeInstanceOf(DispatchStopped);
    expect(store.get({ incidentId: 'inc-1', action: 'L3', receiver: 'pager' })?.status).toBe('sending');
  });

  it('a receiver that hangs does not hold up another receiver of the same page', async () => {
    let release!: () => void;
    r.pager.send = (n) => new Promise<void>((res) => (release = () => (r.pager.sent.push(n), res())));
    const p = dispatcher.handle(notifyEvent('trigger', { level: 3 }));
    await new Promise((res) => setImmediate(res));
    expect(r.chat.sent).toHaveLength(1);
    expect(r.pager.sent).toHaveLength(0);
    release();
    expect((await p).map((o) => o.result)).toEqual(['delivered', 'delivered']);
  });

  it('backoff doubles up to its cap and keeps at least half of it', () => {
    const p = { initialBackoff: 1000, maxBackoff: 8000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, p, () => 0))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, p, () => 1))).toEqual([1000, 2000, 4000, 8000, 8000]);
  });
});
