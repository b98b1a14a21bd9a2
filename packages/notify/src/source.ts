import { AckPolicy, connect, DeliverPolicy, nanos, RetentionPolicy, StorageType, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { NATS_CONNECT_OPTIONS, type Logger } from '@vigil/shared';

export interface SourceOptions {
  servers: readonly string[];
  stream: string;
  consumer: string;
  maxAckPending: number;
  ackWaitMs: number;
  startAt: 'new' | 'all';
  name: string;
}

/** What the source tells the rest: connection state for the dead man's switch and /healthz. */
export interface SourceStatus {
  connected(up: boolean): void;
  /** Once the durable consumer is declared, before its first message is handed out. */
  beforeConsume?(nc: NatsConnection): Promise<void>;
}

/**
 * The durable JetStream pull consumer on the VIGIL stream: explicit acks, at most
 * `maxAckPending` events handed out and not yet acknowledged, redelivery after `ackWait`
 * of an event neither acknowledged nor reported in progress. The consumer is durable on
 * the server, so a restart of vigil-notify or of nats-server resumes where it stopped.
 *
 * It reads `vigil.v1.>` whole rather than the escalation and incident subjects alone:
 * nats-server 2.9 allows one filter per consumer, and one consumer keeps the stream's
 * order between an incident's page and its resolution.
 */
export class JetStreamSource {
  private nc: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private closed = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly opts: SourceOptions,
    private readonly log: Logger,
    private readonly status: SourceStatus = { connected: () => {} },
  ) {}

  get connection(): NatsConnection | undefined {
    return this.nc;
  }

  /** Starts connecting and consuming in the background; never throws for an absent server. */
  start(onMessage: (m: JsMsg) => void): void {
    this.loop ??= this.run(onMessage);
  }

  private async run(onMessage: (m: JsMsg) => void): Promise<void> {
    let delay = 250;
    while (!this.closed && !this.nc) {
      try {
        const nc = await connect({
          servers: [...this.opts.servers],
          name: this.opts.name,
          ...NATS_CONNECT_OPTIONS,
        });
        if (this.closed) {
          await nc.close();
          return;
        }
        this.nc = nc;
        this.status.connected(true);
        this.log.info({ server: nc.getServer() }, 'connected to NATS');
        void this.watchStatus(nc);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, retryInMs: delay }, 'NATS not reachable; retrying');
        await pause(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
    delay = 250;
    while (!this.closed) {
      try {
        await this.consume(onMessage);
        delay = 250;
      } catch (err) {
        if (this.closed) return;
        this.log.warn({ err: (err as Error).message, retryInMs: delay }, 'cannot consume from JetStream; retrying');
      }
      if (!this.closed) await pause(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        this.status.connected(false);
        this.log.warn('NATS connection lost');
      } else if (s.type === 'reconnect') {
        this.status.connected(true);
        this.log.info('NATS connection back');
      }
    }
  }

  /** Declares the durable consumer if missing, then hands out messages until it goes away. */
  private async consume(onMessage: (m: JsMsg) => void): Promise<void> {
    const nc = this.nc!;
    const jsm = await nc.jetstreamManager({ timeout: 3000 });
    const { stream, consumer } = this.opts;
    try {
      await jsm.streams.info(stream);
    } catch (err) {
      if (!/not found/i.test((err as Error).message)) throw err;
      // The coordinator declares the stream on its first publish. Declared here first (with
      // the coordinator's own settings, which it re-applies on connect), the consumer exists
      // before the first event, and `startAt: new` misses nothing of a new installation.
      await jsm.streams.add({ name: stream, subjects: ['vigil.v1.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: nanos(10 * 60_000), max_age: nanos(7 * 86_400_000) }).catch((e: Error) => {
        if (!/already in use/i.test(e.message)) throw e;
      });
      this.log.info({ stream }, 'declared the stream (no coordinator had yet)');
    }
    const tuning = { ack_wait: nanos(this.opts.ackWaitMs), max_ack_pending: this.opts.maxAckPending };
    try {
      await jsm.consumers.info(stream, consumer);
      await jsm.consumers.update(stream, consumer, tuning);
    } catch (err) {
      if (!/not found/i.test((err as Error).message)) throw err;
      await jsm.consumers.add(stream, {
        durable_name: consumer,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: this.opts.startAt === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
        filter_subject: 'vigil.v1.>',
        max_deliver: -1,
        ...tuning,
      });
      this.log.info({ stream, consumer, startAt: this.opts.startAt }, 'created the durable consumer');
    }
    await this.status.beforeConsume?.(nc);
    const js = nc.jetstream({ timeout: 3000 });
    const c = await js.consumers.get(stream, consumer);
    const messages = await c.consume({ max_messages: Math.min(this.opts.maxAckPending, 128) });
    this.messages = messages;
    let gone = false;
    void (async () => {
      for await (const s of await messages.status()) {
        // The consumer (or its stream) was deleted: declare it again rather than wait forever.
        if (s.type === 'consumer_deleted' || s.type === 'consumer_not_found') {
          this.log.warn({ status: s.type }, 'consumer gone; declaring it again');
          gone = true;
          messages.stop();
        }
      }
    })().catch(() => {});
    for await (const m of messages) onMessage(m);
    if (!gone && !this.closed) this.log.warn('consumer stopped; starting it again');
  }

  /** No more messages are handed out; those in hand can still be acknowledged. */
  stopConsuming(): void {
    this.closed = true;
    this.messages?.stop();
  }

  async close(): Promise<void> {
    this.stopConsuming();
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
    await this.loop?.catch(() => {});
  }
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
