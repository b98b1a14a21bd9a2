import { makeCloudEvent, type Clock, type CloudEvent, type Logger, type TimerHandle } from '@vigil/shared';
import { zoneOf, type NotifyEvent } from './event.js';
import { routeEvent, type Route } from './routes.js';
import { DeliveryError, type Notification, type Receiver, type RetryPolicy } from './receivers/index.js';
import { episodeAction, splitAction, type DeliveryKey, type DeliveryStore } from './store.js';

/** Where receipts go: `vigil.v1.notify.delivered.<receiver>` and `vigil.v1.notify.failed.<receiver>` on NATS. */
export interface ReceiptSink {
  publish(subject: string, event: CloudEvent): void;
}

export interface DispatchMetrics {
  delivered(receiver: string, action: string, latencyMs: number): void;
  failed(receiver: string, action: string): void;
  retried(receiver: string): void;
  repeated(receiver: string): void;
}

export const noMetrics: DispatchMetrics = { delivered: () => {}, failed: () => {}, retried: () => {}, repeated: () => {} };

export interface ReceiverEntry {
  receiver: Receiver;
  retry: RetryPolicy;
  fallback: string | undefined;
  /** At most `pages` pages per `perMs`; the rest are held and summarised in one message. */
  rateLimit?: { pages: number; perMs: number } | undefined;
  /** Pages of one zone within this time become one message. */
  groupWaitMs?: number | undefined;
}

/** Which holds a delivery passes through; `release` sends a page that was held. */
interface Gates {
  group: boolean;
  rate: boolean;
  release?: boolean;
}

/** The outcome of one event at one receiver. */
export type Outcome =
  | { receiver: string; result: 'delivered'; attempts: number }
  | { receiver: string; result: 'already'; status: 'delivered' | 'failed' | 'held' }
  | { receiver: string; result: 'held' }
  | { receiver: string; result: 'failed'; attempts: number; error: string; fallback: Outcome | undefined };

/** Thrown when the dispatcher stops mid-delivery: the event is not acknowledged and comes again. */
export class DispatchStopped extends Error {
  constructor() {
    super('vigil-notify is stopping');
    this.name = 'DispatchStopped';
  }
}

/**
 * "Equal jitter": half the capped exponential wait, plus a random part of the other half.
 * Receivers that came back are not hit by every waiting page in the same millisecond, and
 * the wait never drops below half the schedule.
 */
export function backoffDelay(attempt: number, p: Pick<RetryPolicy, 'initialBackoff' | 'maxBackoff'>, random: () => number = Math.random): number {
  const cap = Math.min(p.maxBackoff, p.initialBackoff * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

export interface DispatcherOptions {
  route: Route;
  zoneLabel: string;
  source: string;
}

/**
 * Delivers one incident event to its receivers: a page to the receivers its route picks,
 * an acknowledgement or resolution to the receivers that were paged for the incident.
 * Each (incident, action, receiver) is delivered at most once to completion: the record
 * is written before the first attempt (`sending`) and after the last (`delivered` or
 * `failed`), and an event seen again finds it. Receivers are tried in parallel; one that
 * hangs costs its own timeout and retries, never another receiver's page.
 */
export class Dispatcher {
  private stopped = false;
  private readonly sleepers = new Set<() => void>();
  /** Deliveries under way by key: a fallback that is also routed to directly is sent once. */
  private readonly inflight = new Map<string, Promise<Outcome>>();

  constructor(
    private readonly opts: DispatcherOptions,
    private readonly receivers: ReadonlyMap<string, ReceiverEntry>,
    private readonly store: DeliveryStore,
    private readonly receipts: ReceiptSink,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics: DispatchMetrics = noMetrics,
    private readonly random: () => number = Math.random,
  ) {}

  async handle(e: NotifyEvent): Promise<Outcome[]> {
    const i = e.incident;
    // A reopened incident is live again: its pages, acknowledgement and resolution are
    // new deliveries (keys with `@<episode>`), not repeats of the first episode's.
    const episode = e.streamSeq === undefined ? 0 : this.store.episode(i.incidentId, e.streamSeq);
    if (e.kind === 'trigger') {
      const hits = routeEvent(this.opts.route, e, this.opts.zoneLabel);
      return Promise.all(hits.map((h) => this.deliver({ incidentId: i.incidentId, action: episodeAction(`L${i.level}`, episode), receiver: h.receiver }, e, [], h.path, undefined)));
    }
    // Written before the deliveries and counted only for later events, so it ends this episode once.
    if (e.kind === 'resolve' && e.streamSeq !== undefined) this.store.recordResolution(i.incidentId, e.streamSeq);
    const paged = this.store.paged(i.incidentId, episode);
    if (paged.size === 0) this.log.debug({ incident: i.incidentId, kind: e.kind, episode }, 'no receiver was paged for this incident; nothing to tell');
    return Promise.all(
      [...paged].map(([receiver, levels]) => this.deliver({ incidentId: i.incidentId, action: episodeAction(e.kind, episode), receiver }, e, levels, 'paged for this incident', undefined)),
    );
  }

  /**
   * A page that names its receiver instead of asking the routes (the dead man's switch);
   * acknowledge and resolve go to the paged receivers as always.
   */
  async handleDirect(e: NotifyEvent, receiver: string): Promise<Outcome[]> {
    if (e.kind !== 'trigger') return this.handle(e);
    return [await this.deliver({ incidentId: e.incident.incidentId, action: `L${e.incident.level}`, receiver }, e, [], "dead man's switch", undefined)];
  }

  private deliver(key: DeliveryKey, e: NotifyEvent, pagedLevels: number[], routePath: string, fallbackFor: string | undefined): Promise<Outcome> {
    const id = `${key.incidentId}/${key.action}/${key.receiver}`;
    const running = this.inflight.get(id);
    if (running) return running.then((o) => (o.result === 'delivered' ? { receiver: o.receiver, result: 'already', status: 'delivered' } : o));
    const p = this.deliverOnce(key, e, pagedLevels, routePath, fallbackFor, { group: true, rate: true }).finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  private async deliverOnce(key: DeliveryKey, e: NotifyEvent, pagedLevels: number[], routePath: string, fallbackFor: string | undefined, gates: Gates): Promise<Outcome> {
    const entry = this.receivers.get(key.receiver);
    if (!entry) throw new Error(`receiver ${key.receiver} is not configured`);
    const level = e.incident.level;
    const prior = this.store.get(key);
    if (prior && prior.status !== 'sending' && !(prior.status === 'held' && gates.release)) {
      this.metrics.repeated(key.receiver);
      return { receiver: key.receiver, result: 'already', status: prior.status };
    }
    if (prior?.status === 'sending') this.log.warn({ ...key, attempts: prior.attempts }, 'outcome of an earlier attempt is unknown (stopped mid-send); sending again with the same delivery id');
    const page = !prior && key.action.startsWith('L') && fallbackFor === undefined;
    const zone = zoneOf(e, this.opts.zoneLabel);
    if (page && gates.group && entry.groupWaitMs && zone !== undefined) {
      // The first page of a zone waits `groupWaitMs` for the others of the same outage.
      return this.hold(key, e, `zone:${zone}`, entry.groupWaitMs, 'page held to be grouped with its zone');
    }
    const limit = entry.rateLimit;
    if (page && gates.rate && limit && this.store.pagesSince(key.receiver, this.clock.now() - limit.perMs) >= limit.pages) {
      // Over the limit: kept, not dropped; the next summary lists it.
      return this.hold(key, e, 'rate', limit.perMs, 'rate limit reached; page held for the next summary');
    }
    const deliveryId = `${key.incidentId}/${key.action}/${key.receiver}`;
    const n: Notification = { kind: e.kind, deliveryId, event: e, pagedLevels, routePath };
    let attempts = prior?.attempts ?? 0;
    // At least one attempt after a restart, even if the earlier run used them all up.
    const last = Math.max(attempts + 1, entry.retry.maxAttempts);
    let error = '';
    const record = (status: 'sending' | 'delivered' | 'failed', err: string | null) =>
      this.store.put({ ...key, level, status, attempts, eventId: e.cloudEvent.id, updatedAt: this.clock.now(), error: err });
    for (;;) {
      if (this.stopped) throw new DispatchStopped();
      attempts++;
      record('sending', error || null);
      try {
        await entry.receiver.send(n);
        record('delivered', null);
        const latencyMs = Math.max(0, this.clock.now() - Date.parse(e.cloudEvent.time));
        this.metrics.delivered(key.receiver, splitAction(key.action).base, latencyMs);
        this.receipt('delivered', key, e, { attempts, deliveryId, receiverType: entry.receiver.type, latencyMs, fallbackFor: fallbackFor ?? null });
        this.log.info({ ...key, attempts, latencyMs }, 'delivered');
        return { receiver: key.receiver, result: 'delivered', attempts };
      } catch (err) {
        if (err instanceof DispatchStopped) throw err;
        error = (err as Error).message;
        const retryable = !(err instanceof DeliveryError) || err.retryable;
        if (!retryable || attempts >= last) break;
        this.metrics.retried(key.receiver);
        const wait = backoffDelay(attempts, entry.retry, this.random);
        this.log.warn({ ...key, attempts, error, retryInMs: wait }, 'delivery failed; retrying');
        record('sending', error);
        await this.sleep(wait);
      }
    }
    record('failed', error);
    this.metrics.failed(key.receiver, splitAction(key.action).base);
    this.receipt('failed', key, e, { attempts, deliveryId, receiverType: entry.receiver.type, error, fallback: entry.fallback ?? null, fallbackFor: fallbackFor ?? null });
    this.log.error({ ...key, attempts, error, fallback: entry.fallback }, 'delivery failed for good');
    let fallback: Outcome | undefined;
    // A fallback's own fallback is not followed: one hop, so two receivers cannot page each other in a loop.
    if (entry.fallback && fallbackFor === undefined) {
      fallback = await this.deliver({ ...key, receiver: entry.fallback }, e, pagedLevels, `fallback for ${key.receiver} (${routePath})`, key.receiver);
    }
    return { receiver: key.receiver, result: 'failed', attempts, error, fallback };
  }

  private readonly summaryTimers = new Map<string, TimerHandle>();
  /** The events of held pages seen by this run, for the summary's lines (after a restart the record's ids suffice). */
  private readonly heldEvents = new Map<string, NotifyEvent>();

  private hold(key: DeliveryKey, e: NotifyEvent, hold: string, delayMs: number, why: string): Outcome {
    this.store.put({ ...key, level: e.incident.level, status: 'held', attempts: 0, eventId: e.cloudEvent.id, updatedAt: this.clock.now(), error: null, hold });
    this.heldEvents.set(`${key.incidentId}/${key.action}/${key.receiver}`, e);
    this.log.info({ ...key, hold }, why);
    this.scheduleSummary(key.receiver, hold, delayMs);
    return { receiver: key.receiver, result: 'held' };
  }

  private holdDelay(receiver: string, hold: string): number {
    const entry = this.receivers.get(receiver);
    return (hold === 'rate' ? entry?.rateLimit?.perMs : entry?.groupWaitMs) ?? 60_000;
  }

  /** After a restart: held pages get their message one wait later. */
  resumeHeld(): void {
    for (const { receiver, hold } of this.store.heldGroups()) this.scheduleSummary(receiver, hold, this.holdDelay(receiver, hold));
  }

  private scheduleSummary(receiver: string, hold: string, delayMs: number): void {
    const id = `${receiver}|${hold}`;
    if (this.summaryTimers.has(id) || this.stopped) return;
    this.summaryTimers.set(
      id,
      this.clock.setTimeout(() => {
        this.summaryTimers.delete(id);
        this.sendSummary(receiver, hold).catch((err: unknown) => this.log.error({ err, receiver, hold }, 'summary of held pages failed'));
      }, delayMs),
    );
  }

  /**
   * One message listing the pages of `receiver` held for `hold`; the held records become
   * delivered with it. A zone group of one page is sent as that page.
   */
  async sendSummary(receiver: string, hold = 'rate'): Promise<Outcome | undefined> {
    const held = this.store.held(receiver, hold);
    if (held.length === 0) return undefined;
    const only = held.length === 1 ? this.heldEvents.get(`${held[0]!.incidentId}/${held[0]!.action}/${held[0]!.receiver}`) : undefined;
    if (only && hold !== 'rate') {
      this.heldEvents.delete(`${held[0]!.incidentId}/${held[0]!.action}/${held[0]!.receiver}`);
      return this.deliverOnce(held[0]!, only, [], `grouped by zone (${hold.slice(5)}), alone`, undefined, { group: false, rate: true, release: true });
    }
    const now = this.clock.now();
    const lines = held.map((h) => {
      const ev = this.heldEvents.get(`${h.incidentId}/${h.action}/${h.receiver}`);
      const i = ev?.incident;
      return i ? `${i.hostId}${i.service ? `/${i.service}` : ''} ${i.class} L${h.level}: ${i.summary} (${h.incidentId})` : `incident ${h.incidentId} L${h.level}`;
    });
    const limit = this.receivers.get(receiver)?.rateLimit;
    const summaryId = `vigil-notify:${hold === 'rate' ? 'rate-limit' : hold}:${receiver}:${new Date(now).toISOString()}`;
    const hosts = [...new Set(held.map((h) => this.heldEvents.get(`${h.incidentId}/${h.action}/${h.receiver}`)?.incident.hostId).filter(Boolean))];
    const level = Math.max(...held.map((h) => h.level));
    const data = {
      incidentId: summaryId,
      event: 'escalated',
      summary:
        hold === 'rate'
          ? `${held.length} more page${held.length === 1 ? '' : 's'} held by the rate limit${limit ? ` (${limit.pages} per ${Math.round(limit.perMs / 1000)} s)` : ''}${hosts.length ? `: ${hosts.join(', ')}` : ''}`
          : `${held.length} page${held.length === 1 ? '' : 's'} in zone ${hold.slice(5)} within ${Math.round(this.holdDelay(receiver, hold) / 1000)} s${hosts.length ? `: ${hosts.join(', ')}` : ''}`,
      class: 'summary',
      level,
      state: 'open',
      hostId: hosts.length === 1 ? hosts[0]! : 'several',
      service: null,
      rootCause: null,
      openedAt: new Date(now).toISOString(),
      reason: lines.join('\n'),
      url: '',
      flapping: false,
      held: held.map((h) => ({ incidentId: h.incidentId, action: h.action, level: h.level })),
    } as unknown as NotifyEvent['incident'];
    const e: NotifyEvent = { kind: 'trigger', cloudEvent: makeCloudEvent({ source: this.opts.source, type: `vigil.v1.escalation.l${level}`, subject: summaryId, time: new Date(now), data }) as NotifyEvent['cloudEvent'], incident: data, labels: {} };
    const out = await this.deliverOnce({ incidentId: summaryId, action: `L${level}`, receiver }, e, [], hold === 'rate' ? 'rate limit summary' : `grouped by zone (${hold.slice(5)})`, undefined, { group: false, rate: false });
    if (out.result === 'delivered') {
      for (const h of held) {
        this.store.put({ ...h, status: 'delivered', updatedAt: this.clock.now(), error: `summarised in ${summaryId}` });
        this.receipt('delivered', h, { ...e, incident: { ...e.incident, level: h.level } }, { attempts: out.attempts, summarisedIn: summaryId, receiverType: this.receivers.get(receiver)!.receiver.type });
        this.heldEvents.delete(`${h.incidentId}/${h.action}/${h.receiver}`);
      }
    } else {
      // Still held: tried again one wait later.
      this.scheduleSummary(receiver, hold, this.holdDelay(receiver, hold));
    }
    return out;
  }

  private receipt(outcome: 'delivered' | 'failed', key: DeliveryKey, e: NotifyEvent, extra: Record<string, unknown>): void {
    try {
      this.receipts.publish(
        `vigil.v1.notify.${outcome}.${key.receiver}`,
        makeCloudEvent({
          source: this.opts.source,
          type: `vigil.v1.notify.${outcome}`,
          subject: key.incidentId,
          time: new Date(this.clock.now()),
          // `action` without the episode, as the coordinator's timeline reads it; `episode` says which.
          data: { incidentId: key.incidentId, action: splitAction(key.action).base, episode: splitAction(key.action).episode, level: e.incident.level, receiver: key.receiver, eventId: e.cloudEvent.id, ...extra },
        }),
      );
    } catch (err) {
      // A receipt is a report; the page itself went out (or failed) either way.
      this.log.warn({ err: (err as Error).message, ...key }, 'could not publish the receipt');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        this.clock.clearTimeout(t);
        this.sleepers.delete(wake);
        reject(new DispatchStopped());
      };
      const t = this.clock.setTimeout(() => {
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      this.sleepers.add(wake);
    });
  }

  /** Ends waits between retries; deliveries in progress throw DispatchStopped. */
  stop(): void {
    this.stopped = true;
    for (const t of this.summaryTimers.values()) this.clock.clearTimeout(t);
    this.summaryTimers.clear();
    for (const wake of [...this.sleepers]) wake();
  }
}
