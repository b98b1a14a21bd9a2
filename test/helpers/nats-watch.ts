import { connect, type NatsConnection, type Subscription } from 'nats';
import { waitFor, type PollOptions } from './poll.js';

/** The CloudEvent a Vigil coordinator publishes for a host state change. */
export interface HostEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  data: { hostId: string; state: string; previousState: string | null; reason: string; at: string };
}

export interface ReceivedEvent {
  subject: string;
  /** performance.now() when the message reached this process. */
  receivedAt: number;
  msgId: string | undefined;
  raw: string;
  /** The payload parsed as JSON, or undefined when it is not JSON. */
  event: HostEvent | undefined;
}

/**
 * Subscribes to `vigil.v1.>` and records every message with its arrival time. The
 * connection reconnects forever, so a watcher survives a nats-server restart.
 */
export class EventWatcher {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly sub: Subscription,
    readonly events: ReceivedEvent[],
  ) {}

  static async start(url: string, subject = 'vigil.v1.>'): Promise<EventWatcher> {
    const nc = await connect({ servers: url, name: 'vigil-test-watch', maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const events: ReceivedEvent[] = [];
    const sub = nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        const raw = msg.string();
        events.push({ subject: msg.subject, receivedAt: performance.now(), msgId: msg.headers?.get('Nats-Msg-Id') || undefined, raw, event: parseJson(raw) });
      },
    });
    // The subscription reaches the server before any test action that could publish.
    await nc.flush();
    return new EventWatcher(nc, sub, events);
  }

  /** Events whose subject is `vigil.v1.host.<state>.<hostToken>`. */
  forHost(hostToken: string, state?: string): ReceivedEvent[] {
    return this.events.filter((e) => {
      const parts = e.subject.split('.');
      return parts[0] === 'vigil' && parts[1] === 'v1' && parts[2] === 'host' && parts.slice(4).join('.') === hostToken && (state === undefined || parts[3] === state);
    });
  }

  /** Waits for the first event matching `pred` that arrived at or after `since` (performance.now()). */
  async waitForEvent(pred: (e: ReceivedEvent) => boolean, opts: PollOptions & { since?: number } = {}): Promise<ReceivedEvent> {
    const since = opts.since ?? 0;
    return waitFor(() => this.events.find((e) => e.receivedAt >= since && pred(e)), {
      intervalMs: 10,
      ...opts,
      observe: () => this.events.map((e) => e.subject),
    });
  }

  /**
   * Resolves once the connection is up and the server has the subscription: after a
   * nats-server restart, messages published before this resolves may be missed (core
   * NATS keeps nothing), so read the stream for those.
   */
  async flush(timeoutMs = 5000): Promise<void> {
    await waitFor(
      async () => {
        let timer: NodeJS.Timeout | undefined;
        const attempt = new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), 500);
        });
        try {
          return await Promise.race([this.nc.flush().then(() => true), attempt]);
        } finally {
          clearTimeout(timer);
        }
      },
      { timeoutMs, intervalMs: 50, what: 'the NATS watcher to be connected' },
    );
  }

  subjects(): string[] {
    return this.events.map((e) => e.subject);
  }

  async close(): Promise<void> {
    this.sub.unsubscribe();
    await this.nc.close().catch(() => undefined);
  }
}

export interface StoredEvent {
  seq: number;
  subject: string;
  msgId: string | undefined;
  raw: string;
  event: HostEvent | undefined;
}

/**
 * Reads every message of a JetStream stream by sequence number, with a connection of its
 * own. Returns [] when the stream does not exist.
 */
export async function readStream(url: string, stream = 'VIGIL'): Promise<StoredEvent[]> {
  const nc = await connect({ servers: url, name: 'vigil-test-read', maxReconnectAttempts: 0 });
  try {
    const jsm = await nc.jetstreamManager();
    let info;
    try {
      info = await jsm.streams.info(stream);
    } catch (err) {
      if (/stream not found/i.test(String((err as Error).message))) return [];
      throw err;
    }
    const out: StoredEvent[] = [];
    const { first_seq: first, last_seq: last, messages } = info.state;
    if (messages === 0) return out;
    for (let seq = first; seq <= last; seq++) {
      let m;
      try {
        m = await jsm.streams.getMessage(stream, { seq });
      } catch (err) {
        if (/no message found/i.test(String((err as Error).message))) continue; // deleted
        throw err;
      }
      const raw = m.string();
      out.push({ seq: m.seq, subject: m.subject, msgId: m.header?.get('Nats-Msg-Id') || undefined, raw, event: parseJson(raw) });
    }
    return out;
  } finally {
    await nc.close().catch(() => undefined);
  }
}

/** Stream configuration (subjects, storage), or undefined when the stream does not exist. */
export async function streamConfig(url: string, stream = 'VIGIL'): Promise<{ subjects: string[]; storage: string } | undefined> {
  const nc = await connect({ servers: url, name: 'vigil-test-info', maxReconnectAttempts: 0 });
  try {
    const jsm = await nc.jetstreamManager();
    try {
      const info = await jsm.streams.info(stream);
      return { subjects: info.config.subjects ?? [], storage: String(info.config.storage) };
    } catch (err) {
      if (/stream not found/i.test(String((err as Error).message))) return undefined;
      throw err;
    }
  } finally {
    await nc.close().catch(() => undefined);
  }
}

/** Counts how often each value of `key(e)` occurs. */
export function countBy<T>(items: T[], key: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

function parseJson(raw: string): HostEvent | undefined {
  try {
    return JSON.parse(raw) as HostEvent;
  } catch {
    return undefined;
  }
}
