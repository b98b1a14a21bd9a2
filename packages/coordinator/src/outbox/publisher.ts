import type { Clock, Logger } from '@vigil/shared';
import type { OutboxStore } from '../store/outbox-store.js';
import type { Readiness } from '../readiness.js';
import { isStoreCondition } from '../store/write-guard.js';

/** What the publisher tells `/readyz`. */
export type PublishReadiness = Pick<Readiness, 'publishFailing' | 'publishOverdue' | 'storeFailed' | 'storeOk'>;

const noReadiness: PublishReadiness = { publishFailing: () => {}, publishOverdue: () => false, storeFailed: () => {}, storeOk: () => {} };

/** Where outbox rows go; NatsLink in production, anything with the same shape in tests. */
export interface EventTransport {
  readonly connected: boolean;
  publish(subject: string, payload: string, msgId: string): Promise<{ duplicate: boolean }>;
}

export interface PublisherOptions {
  /** Rows published concurrently; JetStream keeps their order on one connection. @default 64 */
  batchSize: number;
  /** Keep published rows this long before pruning them, in ms. @default 1 h */
  retainPublishedMs: number;
}

export interface PublisherMetrics {
  published(n: number, duplicates: number): void;
  failed(): void;
}

/**
 * Drains the outbox into NATS in order. A batch is published in flight together and
 * marked done only when every ack came back; on any failure the whole batch is sent again
 * later, and JetStream's deduplication by event id keeps each event in the stream once.
 */
export class OutboxPublisher {
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly transport: EventTransport,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: PublisherOptions = { batchSize: 64, retainPublishedMs: 3_600_000 },
    private readonly metrics: PublisherMetrics = { published: () => {}, failed: () => {} },
    private readonly readiness: PublishReadiness = noReadiness,
  ) {}

  /** Since when events have been waiting without a successful publish; undefined while all is well. */
  private stuckSince: number | undefined;
  private overdueLogged = false;

  /** Events wait and none went out (not connected, or a publish failed). */
  private stuck(): void {
    this.stuckSince ??= this.clock.now();
    this.readiness.publishFailing(this.stuckSince);
    if (!this.overdueLogged && this.readiness.publishOverdue()) {
      this.overdueLogged = true;
      this.log.error(
        { since: new Date(this.stuckSince).toISOString(), pending: this.outbox.depth() },
        'events have not been published for longer than the grace; the coordinator reports not ready',
      );
    }
  }

  /** The outbox is drained or a publish went through. */
  private flowing(): void {
    if (this.stuckSince !== undefined && this.overdueLogged) {
      this.log.info({ since: new Date(this.stuckSince).toISOString() }, 'events are published again');
    }
    this.stuckSince = undefined;
    this.overdueLogged = false;
    this.readiness.publishFailing(undefined);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New rows are waiting: publish now rather than at the next poll. */
  kick(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
  }

  /**
   * Published rows the store refused to mark (disk full): only the mark is retried, with
   * backoff. Publishing them again would work while JetStream's duplicate window lasts,
   * but a disk full for longer than that would put them in the stream twice.
   */
  private unmarkedThrough: number | undefined;

  /** Marks rows up to `seq` published; false (and reported) when the store refuses. */
  private mark(seq: number): boolean {
    try {
      this.outbox.markPublishedThrough(seq, this.clock.now());
    } catch (err) {
      if (!isStoreCondition(err)) throw err;
      this.unmarkedThrough = seq;
      this.readiness.storeFailed(err);
      return false;
    }
    this.unmarkedThrough = undefined;
    this.readiness.storeOk();
    return true;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let lastPrune = 0;
    while (this.running) {
      if (this.unmarkedThrough !== undefined && !this.mark(this.unmarkedThrough)) {
        // The store guard logs a full disk once; nothing more is published meanwhile.
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      const connected = this.transport.connected;
      const rows = connected ? this.outbox.pending(this.opts.batchSize) : [];
      if (rows.length === 0) {
        if (connected || this.outbox.depth() === 0) this.flowing();
        else this.stuck();
        const now = this.clock.now();
        if (now - lastPrune > 60_000) {
          lastPrune = now;
          // A prune the store refuses (disk full) is tried again at the next one; it must
          // not end this loop, which is the only thing that publishes.
          try {
            this.outbox.prune(now - this.opts.retainPublishedMs);
          } catch (err) {
            this.readiness.storeFailed(err as Error);
          }
        }
        await this.sleep(this.transport.connected ? 1000 : 250);
        continue;
      }
      try {
        const acks = await Promise.all(rows.map((r) => this.transport.publish(r.subject, r.payload, r.eventId)));
        this.metrics.published(rows.length, acks.filter((a) => a.duplicate).length);
        this.flowing();
        if (this.mark(rows[rows.length - 1]!.seq)) backoff = 100;
      } catch (err) {
        this.metrics.failed();
        this.stuck();
        // One line per backoff step (a whole batch), never one per event.
        this.log.warn({ err: (err as Error).message, pending: rows.length, retryInMs: backoff }, 'publishing events failed; will retry');
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
