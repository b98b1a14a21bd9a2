import type { Clock, Logger } from '@vigil/shared';
import type { OutboxStore } from '../store/outbox-store.js';

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
  ) {}

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

  private async run(): Promise<void> {
    let backoff = 100;
    let lastPrune = 0;
    while (this.running) {
      const rows = this.transport.connected ? this.outbox.pending(this.opts.batchSize) : [];
      if (rows.length === 0) {
        const now = this.clock.now();
        if (now - lastPrune > 60_000) {
          this.outbox.prune(now - this.opts.retainPublishedMs);
          lastPrune = now;
        }
        await this.sleep(this.transport.connected ? 1000 : 250);
        continue;
      }
      try {
        const acks = await Promise.all(rows.map((r) => this.transport.publish(r.subject, r.payload, r.eventId)));
        this.outbox.markPublishedThrough(rows[rows.length - 1]!.seq, this.clock.now());
        this.metrics.published(rows.length, acks.filter((a) => a.duplicate).length);
        backoff = 100;
      } catch (err) {
        this.metrics.failed();
        this.log.warn({ err: (err as Error).message, pending: rows.length }, 'publishing events failed; will retry');
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
