import type { StoredEvent } from '../store/outbox-store.js';

/** What the feed reads: the outbox store. */
export interface EventSource {
  after(seq: number, limit: number): StoredEvent[];
  bounds(): { oldest: number | null; latest: number };
  onAdded(listener: () => void): () => void;
}

/** One client's stream: an HTTP response in production, an array in tests. */
export interface FeedSink {
  /** Writes a chunk; false once the sink buffers past its high-water mark. */
  write(chunk: string): boolean;
  /** Bytes written and not yet taken by the peer. */
  readonly buffered: number;
  /** Calls `cb` once the buffer has emptied. */
  onceDrained(cb: () => void): void;
  /** Ends the stream (the feed has already forgotten the client). */
  end(): void;
}

/** Why a client's stream ended on the feed's side. */
export type FeedEnd = 'slow' | 'closed';

export interface EventFeedOptions {
  /** A comment line is sent this often, so proxies keep an idle stream open. @default 15 s */
  keepAliveMs: number;
  /** A client whose socket stays full (does not drain) this long is dropped. @default 30 s */
  stallMs: number;
  /** A client with more than this many bytes unread is dropped at once (a hard bound over stallMs). @default 1 MiB */
  maxBufferedBytes: number;
  /** Rows read from the store at once. @default 200 */
  pageSize: number;
}

export const EVENT_FEED_DEFAULTS: EventFeedOptions = { keepAliveMs: 15_000, stallMs: 30_000, maxBufferedBytes: 1024 * 1024, pageSize: 200 };

export interface SubscribeOptions {
  /** Resume after this seq (Last-Event-ID); undefined: only events stored from now on. */
  after?: number;
  /** Subject prefixes; empty: every subject. */
  subjects?: readonly string[];
  /** Told when the feed ends the stream itself (slow client, feed closed). */
  ended?: (why: FeedEnd) => void;
}

export interface Subscription {
  /** The client went away: forget it. */
  close(): void;
}

/** `event:` of a frame: the token after `vigil.v1`, e.g. host, incident, escalation. */
export function eventName(subject: string): string {
  return subject.split('.')[2] || 'message';
}

/** One Server-Sent Events frame; the payload is stored JSON and goes out as is. */
export function formatFrame(e: StoredEvent): string {
  return `id: ${e.seq}\nevent: ${eventName(e.subject)}\ndata: {"seq":${e.seq},"subject":${JSON.stringify(e.subject)},"at":${e.createdAt},"payload":${e.payload}}\n\n`;
}

export function formatReset(reason: 'gap' | 'ahead', oldest: number): string {
  return `event: reset\ndata: ${JSON.stringify({ reason, oldest })}\n\n`;
}

export const KEEP_ALIVE_FRAME = ': keep-alive\n\n';

/**
 * The outbox as a stream for many clients. Every client keeps the seq of the last row it
 * was given and reads the rows after it from the store, when it connects and whenever the
 * store says rows were added, until its socket reports full; then it waits for the socket
 * to drain and reads on. So a reconnect with Last-Event-ID replays from the store and goes
 * on live with neither gap nor duplicate, and nothing is queued in memory for a client
 * beyond one frame past its socket's high-water mark: a burst or a long backlog stays in
 * the store until the client takes it.
 *
 * A client whose socket stays full for `stallMs` is dropped; it reconnects with
 * Last-Event-ID and reads what it missed from the store at its own pace (or gets a reset
 * if it was pruned meanwhile).
 */
export class EventFeed {
  private readonly clients = new Set<Client>();
  private readonly opts: EventFeedOptions;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly source: EventSource,
    opts: Partial<EventFeedOptions> = {},
  ) {
    this.opts = { ...EVENT_FEED_DEFAULTS, ...opts };
  }

  get size(): number {
    return this.clients.size;
  }

  subscribe(sink: FeedSink, opts: SubscribeOptions = {}): Subscription {
    const { oldest, latest } = this.source.bounds();
    const client = new Client(sink, opts.subjects ?? [], opts.ended ?? (() => {}));
    this.clients.add(client);
    this.ensureRunning();
    if (opts.after === undefined) {
      client.cursor = latest;
    } else if (opts.after > latest) {
      // A seq this store never gave (another store, or one rebuilt): everything retained is new.
      const from = oldest ?? latest + 1;
      sink.write(formatReset('ahead', from));
      client.cursor = from - 1;
    } else if (opts.after < latest && (oldest === null || opts.after < oldest - 1)) {
      const from = oldest ?? latest + 1;
      sink.write(formatReset('gap', from));
      client.cursor = from - 1;
    } else {
      client.cursor = opts.after;
    }
    this.pump(client);
    return { close: () => this.forget(client) };
  }

  /** Ends every stream; for shutdown. */
  close(): void {
    for (const c of [...this.clients]) this.drop(c, 'closed');
    this.stopRunning();
  }

  private ensureRunning(): void {
    if (this.unlisten) return;
    this.unlisten = this.source.onAdded(() => {
      for (const c of [...this.clients]) this.pump(c);
    });
    this.keepAlive = setInterval(() => this.sendKeepAlive(), this.opts.keepAliveMs);
    this.keepAlive.unref?.();
  }

  private stopRunning(): void {
    this.unlisten?.();
    this.unlisten = undefined;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  private forget(c: Client): void {
    c.closed = true;
    if (c.stall) clearTimeout(c.stall);
    this.clients.delete(c);
    if (this.clients.size === 0) this.stopRunning();
  }

  private drop(c: Client, why: FeedEnd): void {
    if (c.closed) return;
    this.forget(c);
    c.ended(why);
    c.sink.end();
  }

  /** Sends the client the rows after its cursor until none are left or its socket is full. */
  private pump(c: Client): void {
    while (!c.closed && !c.waitingDrain) {
      const rows = this.source.after(c.cursor, this.opts.pageSize);
      if (rows.length === 0) return;
      // The rows after the cursor were pruned while this client was behind.
      if (rows[0]!.seq > c.cursor + 1) c.sink.write(formatReset('gap', rows[0]!.seq));
      for (const r of rows) {
        if (c.deliver(r)) continue;
        if (c.sink.buffered > this.opts.maxBufferedBytes) return this.drop(c, 'slow');
        this.awaitDrain(c);
        return;
      }
    }
  }

  private awaitDrain(c: Client): void {
    c.waitingDrain = true;
    c.stall = setTimeout(() => this.drop(c, 'slow'), this.opts.stallMs);
    c.stall.unref?.();
    c.sink.onceDrained(() => {
      if (c.stall) clearTimeout(c.stall);
      c.stall = undefined;
      c.waitingDrain = false;
      this.pump(c);
    });
  }

  private sendKeepAlive(): void {
    // A client waiting for its socket to drain is not idle: it needs no comment.
    for (const c of this.clients) if (!c.waitingDrain) c.sink.write(KEEP_ALIVE_FRAME);
  }
}

class Client {
  cursor = 0;
  waitingDrain = false;
  closed = false;
  stall: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly sink: FeedSink,
    private readonly subjects: readonly string[],
    readonly ended: (why: FeedEnd) => void,
  ) {}

  /** Sends the row if its subject is wanted; the cursor moves either way. False once the sink is full. */
  deliver(r: StoredEvent): boolean {
    this.cursor = r.seq;
    if (this.subjects.length > 0 && !this.subjects.some((p) => r.subject.startsWith(p))) return true;
    return this.sink.write(formatFrame(r));
  }
}
