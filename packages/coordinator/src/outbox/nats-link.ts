import { connect, nanos, RetentionPolicy, StorageType, type JetStreamClient, type KV, type KvOptions, type NatsConnection } from 'nats';
import { NATS_CONNECT_OPTIONS, type Logger } from '@vigil/shared';

export interface NatsLinkOptions {
  servers: string[];
  stream: string;
  name: string;
  /** How long JetStream remembers an event id to drop a re-publish of it. @default 10 min */
  duplicateWindowMs: number;
  /** How long events stay in the stream. @default 7 days */
  maxAgeMs: number;
}

/**
 * One NATS connection that reconnects forever, and the JetStream stream that holds every
 * `vigil.v1.>` event. The stream is (re)declared on connect and whenever a publish finds
 * it missing, so a nats-server that lost its store is repaired without a restart here.
 */
export class NatsLink {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private streamReady = false;
  private closed = false;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly opts: NatsLinkOptions,
    private readonly log: Logger,
    private readonly onStatus: (connected: boolean) => void = () => {},
  ) {}

  get connected(): boolean {
    return this.nc !== undefined && !this.nc.isClosed() && this.statusConnected;
  }

  private statusConnected = false;

  /** Starts connecting in the background; never throws for an absent server. */
  start(): void {
    this.connecting ??= this.connectLoop();
  }

  private async connectLoop(): Promise<void> {
    let delay = 250;
    while (!this.closed && !this.nc) {
      try {
        const nc = await connect({
          servers: this.opts.servers,
          name: this.opts.name,
          ...NATS_CONNECT_OPTIONS,
        });
        if (this.closed) {
          await nc.close();
          return;
        }
        this.nc = nc;
        this.js = nc.jetstream({ timeout: 3000 });
        for (const s of this.subscriptions) this.subscribeOn(nc, s.subject, s.onMessage);
        this.setConnected(true);
        this.log.info({ server: nc.getServer() }, 'connected to NATS');
        void this.watchStatus(nc);
      } catch (err) {
        // One line per backoff step, so an operator sees why nothing is published.
        this.log.warn({ err: (err as Error).message, retryInMs: delay }, 'NATS not reachable; events wait in the outbox');
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        this.setConnected(false);
        this.streamReady = false;
        this.log.warn('NATS connection lost; events wait in the outbox');
      } else if (s.type === 'reconnect') {
        this.setConnected(true);
        this.log.info('NATS connection back');
      }
    }
  }

  private setConnected(v: boolean): void {
    this.statusConnected = v;
    this.onStatus(v);
  }

  /** Publishes one event; the id makes a repeat of the same event a no-op in JetStream. */
  async publish(subject: string, payload: string, msgId: string): Promise<{ duplicate: boolean }> {
    const js = this.js;
    if (!js || !this.connected) throw new Error('NATS not connected');
    if (!this.streamReady) await this.ensureStream();
    try {
      const ack = await js.publish(subject, payload, { msgID: msgId, expect: { streamName: this.opts.stream } });
      return { duplicate: ack.duplicate };
    } catch (err) {
      // "no responders" or a 503 means the stream is gone (server store wiped): declare it again.
      this.streamReady = false;
      throw err;
    }
  }

  private readonly subscriptions: { subject: string; onMessage: (subject: string, body: string) => void }[] = [];

  /**
   * A plain subscription, made as soon as (and kept while) the connection exists; the
   * client renews it on every reconnect.
   */
  subscribe(subject: string, onMessage: (subject: string, body: string) => void): void {
    this.subscriptions.push({ subject, onMessage });
    if (this.nc) this.subscribeOn(this.nc, subject, onMessage);
  }

  private subscribeOn(nc: NatsConnection, subject: string, onMessage: (subject: string, body: string) => void): void {
    nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        try {
          onMessage(msg.subject, msg.string());
        } catch (e) {
          this.log.warn({ err: e, subject: msg.subject }, 'subscription handler failed');
        }
      },
    });
  }

  /** A plain (non-JetStream) publish that is dropped unless connected now; false when dropped. */
  publishNow(subject: string, payload: string): boolean {
    const nc = this.nc;
    if (!nc || !this.connected) return false;
    nc.publish(subject, payload);
    return true;
  }

  async ensureStream(): Promise<void> {
    const nc = this.nc;
    if (!nc) throw new Error('NATS not connected');
    const jsm = await nc.jetstreamManager({ timeout: 3000 });
    const config = {
      name: this.opts.stream,
      subjects: ['vigil.v1.>'],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: nanos(this.opts.duplicateWindowMs),
      max_age: nanos(this.opts.maxAgeMs),
    };
    try {
      await jsm.streams.info(this.opts.stream);
      await jsm.streams.update(this.opts.stream, { subjects: config.subjects, duplicate_window: config.duplicate_window, max_age: config.max_age });
    } catch (err) {
      if (!/not found/i.test((err as Error).message)) throw err;
      await jsm.streams.add(config);
      this.log.info({ stream: this.opts.stream }, 'created JetStream stream');
    }
    this.streamReady = true;
  }

  /** A JetStream key-value bucket, created if missing; waits for the connection. */
  async kv(bucket: string, opts: Partial<KvOptions>): Promise<KV> {
    while (!this.js) {
      if (this.closed) throw new Error('NATS link closed');
      await new Promise((r) => setTimeout(r, 100).unref());
    }
    return this.js.views.kv(bucket, opts);
  }

  async close(): Promise<void> {
    this.closed = true;
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
