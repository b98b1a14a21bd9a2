import { AGENT_REDIAL, systemClock, type AgentMessageIn, type Clock, type CoordinatorMessage, type Hello, type Logger, type TimerHandle } from '@vigil/shared';
import { pino } from 'pino';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { CoordinatorTarget } from './config.js';
import { ConnectionLog } from './connection-log.js';
import { StreamClosedError, WelcomeTimeoutError } from './errors.js';
import { pushbackDelay, retryPushbackOf } from './retry-pushback.js';
import type { CoordinatorStream, Dialer } from './transport.js';

export type Welcome = NonNullable<CoordinatorMessage['welcome']>;

/** Where the connection stands; a discriminated union on `type`. */
export type ConnectionState =
  | { readonly type: 'idle' }
  /**
   * A dial under way, by stage: waiting for the TCP connection (`connect`), connected and
   * waiting for the coordinator's process to take it (`accept`: its accept queue, TLS,
   * HTTP/2 SETTINGS), or the stream open and Hello sent, waiting for Welcome (`welcome`).
   * A dialer that cannot tell the stages apart leaves it at `connect` until Welcome.
   */
  | { readonly type: 'connecting'; readonly target: string; readonly attempt: number; readonly stage: DialStage }
  | { readonly type: 'connected'; readonly target: string; readonly coordinatorId: string; readonly sinceMs: number }
  /** Backing off before the next attempt. */
  | { readonly type: 'waiting'; readonly nextTarget: string; readonly retryAtMs: number; readonly attempt: number }
  | { readonly type: 'stopping' }
  | { readonly type: 'stopped' };

export type DialStage = 'connect' | 'accept' | 'welcome';

/** A welcomed stream, as the agent's logic sees it. */
export interface Session {
  readonly target: CoordinatorTarget;
  readonly welcome: Welcome;
  /** False once the stream has closed, and while its send buffer is full. */
  readonly writable: boolean;
  /**
   * Sends unless the stream is closed or backed up; returns whether it was sent. A false
   * write() result is honoured: nothing more is sent until the transport drains.
   */
  send(msg: AgentMessageIn): boolean;
}

/** What the connection asks of the agent, and tells it. */
export interface ConnectionHandler {
  /** Builds the Hello for a new stream (called on every attempt). */
  hello(): Hello;
  welcomed(session: Session): void;
  /** Every message after the Welcome. */
  message(msg: CoordinatorMessage, session: Session): void;
  /** The welcomed stream is gone; a reconnect is already scheduled. */
  lost(session: Session, reason: Error): void;
  /** The send buffer has room again after a write reported it full. */
  drained?(session: Session): void;
}

export interface ConnectionOptions {
  /** Tried in order; the first one again after a healthy connection is lost. */
  targets: readonly CoordinatorTarget[];
  dialer: Dialer;
  handler: ConnectionHandler;
  /** @default systemClock */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
  /**
   * How long to wait for Welcome once the coordinator took the connection (Hello sent)
   * before trying the next target; also how long the TCP connection itself may take. Each
   * attempt in a row that got no Welcome in time doubles the next wait, up to
   * `welcomeTimeoutCapMs`. @default 5000
   */
  welcomeTimeoutMs?: number;
  /** The longest wait for Welcome after Welcome timeouts in a row. @default 30000 (at least welcomeTimeoutMs) */
  welcomeTimeoutCapMs?: number;
  /**
   * How long a connection the coordinator's host accepted (TCP up) may wait for the
   * coordinator's process to take it, before the next target is tried. The Welcome wait
   * starts only then: a coordinator working through a reconnect storm leaves connections
   * in its kernel's accept queue for seconds, and an agent that gave up on one after the
   * Welcome wait would only queue another behind it, while the coordinator still takes the
   * abandoned one. A host that does not answer at all is still left after the Welcome wait.
   * @default 30000 (at least the current Welcome wait)
   */
  acceptTimeoutMs?: number;
  /** @default {baseMs: 200, capMs: 10000} */
  backoff?: BackoffOptions;
  /**
   * A connection that has stayed up this long resets the backoff, so a later loss
   * reconnects quickly again (AGENT_REDIAL: the coordinator's disconnect grace counts on it).
   * @default 10000
   */
  healthyAfterMs?: number;
  /**
   * On stop, how long to wait for the coordinator to end the stream after Goodbye.
   * @default 1000
   */
  stopTimeoutMs?: number;
}

/** One dialled stream and what is known about it. */
interface Link {
  readonly target: CoordinatorTarget;
  stream: CoordinatorStream | undefined;
  session: Session | undefined;
  blocked: boolean;
  closed: boolean;
  /**
   * Goodbye is written and the stream half-closed: nothing may follow. A write after the
   * end (a probe answer or an event finishing meanwhile) errors the stream, which can drop
   * the Goodbye still in flight, and the host is taken for dead instead of gone.
   */
  ended: boolean;
  healthy: boolean;
  /** Why the agent itself gave up on the stream, when it did. */
  failure: Error | undefined;
  /** The Welcome wait of this dial (doubled by late Welcomes in a row before it). */
  readonly waitMs: number;
  /** When the dial's current stage is given up; replaced as the dial moves on a stage. */
  deadline: TimerHandle | undefined;
  timers: TimerHandle[];
  onClosed: (() => void) | undefined;
}

/**
 * Keeps one Connect stream open to the first coordinator that answers: Hello, Welcome,
 * then hands messages to the handler. On any failure it closes the stream and retries
 * the next target after a capped, fully jittered exponential backoff. It never gives up:
 * a missing coordinator is the normal state during an outage.
 */
export class Connection {
  private readonly targets: readonly CoordinatorTarget[];
  private readonly dialer: Dialer;
  private readonly handler: ConnectionHandler;
  private readonly clock: Clock;
  private readonly log: ConnectionLog;
  private readonly welcomeTimeoutMs: number;
  private readonly welcomeTimeoutCapMs: number;
  private readonly acceptTimeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly healthyAfterMs: number;
  private readonly stopTimeoutMs: number;

  private targetIndex = 0;
  /** Streams dialled by this process, for Hello.attempt. */
  private dials = 0;
  /** Consecutive failed attempts since the last healthy connection. */
  private failures = 0;
  /**
   * Attempts in a row that got no Welcome in time. A coordinator that took the stream but
   * answers late is busy (a reconnect storm after its restart, every agent saying Hello at
   * once), not gone: giving up and dialling again would only add a connection and a Hello
   * to its queue, and it reads the abandoned ones too. So each such attempt waits twice as
   * long as the last, up to the cap; a Welcome resets it. A refused or broken connection
   * does not count: that coordinator is down, and the next target is tried after the usual backoff.
   */
  private welcomeTimeouts = 0;
  private link: Link | undefined;
  private retryTimer: TimerHandle | undefined;
  private current: ConnectionState = { type: 'idle' };
  private stopping: Promise<void> | undefined;

  constructor(options: ConnectionOptions) {
    if (options.targets.length === 0) throw new Error('Connection needs at least one target');
    this.targets = options.targets;
    this.dialer = options.dialer;
    this.handler = options.handler;
    this.clock = options.clock ?? systemClock;
    this.log = new ConnectionLog(options.logger ?? pino({ level: 'silent' }), this.clock);
    this.welcomeTimeoutMs = options.welcomeTimeoutMs ?? 5000;
    this.welcomeTimeoutCapMs = Math.max(this.welcomeTimeoutMs, options.welcomeTimeoutCapMs ?? 30_000);
    this.acceptTimeoutMs = options.acceptTimeoutMs ?? 30_000;
    if (!(this.acceptTimeoutMs > 0)) throw new RangeError(`acceptTimeoutMs must be a positive number of ms, got ${options.acceptTimeoutMs}`);
    this.backoff = options.backoff ?? {};
    this.healthyAfterMs = options.healthyAfterMs ?? AGENT_REDIAL.steadyAfterMs;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 1000;
  }

  get state(): ConnectionState {
    return this.current;
  }

  start(): void {
    if (this.current.type !== 'idle') return;
    this.attempt();
  }

  /**
   * Sends Goodbye, half-closes and waits up to `stopTimeoutMs` for the coordinator to end
   * the stream, then drops it. Never reconnects afterwards.
   */
  stop(reason = 'shutdown'): Promise<void> {
    this.stopping ??= this.shutdown(reason);
    return this.stopping;
  }

  private async shutdown(reason: string): Promise<void> {
    this.current = { type: 'stopping' };
    if (this.retryTimer) this.clock.clearTimeout(this.retryTimer);
    const link = this.link;
    if (link?.stream && !link.closed) {
      const stream = link.stream;
      // A pending Welcome timeout must not cancel the stream under the Goodbye.
      this.clearTimers(link);
      const ended = new Promise<void>((resolve) => {
        link.onClosed = resolve;
        link.timers.push(this.clock.setTimeout(resolve, this.stopTimeoutMs));
      });
      link.ended = true;
      try {
        // Goodbye goes out even when the buffer is full: it is the last message.
        stream.write({ goodbye: { reason } });
        stream.end();
      } catch {
        // A stream that cannot take writes any more is about to close anyway.
      }
      await ended;
      if (!link.closed) stream.cancel();
      this.dispose(link);
    }
    this.dialer.close?.();
    this.current = { type: 'stopped' };
  }

  private attempt(): void {
    if (this.stopping) return;
    this.retryTimer = undefined;
    const target = this.targets[this.targetIndex]!;
    const waitMs = Math.min(this.welcomeTimeoutCapMs, this.welcomeTimeoutMs * 2 ** Math.min(this.welcomeTimeouts, 30));
    const link: Link = { target, stream: undefined, session: undefined, blocked: false, closed: false, ended: false, healthy: false, failure: undefined, waitMs, deadline: undefined, timers: [], onClosed: undefined };
    this.link = link;
    this.current = { type: 'connecting', target: target.address, attempt: this.failures + 1, stage: 'connect' };
    try {
      link.stream = this.dialer.dial(target, {
        onConnected: () => this.onStage(link, 'accept'),
        onTaken: () => this.onStage(link, 'welcome'),
        onMessage: (msg) => this.onMessage(link, msg),
        onDrain: () => {
          const wasBlocked = link.blocked;
          link.blocked = false;
          if (wasBlocked && link.session && !link.closed) this.handler.drained?.(link.session);
        },
        onClose: (err) => this.onClose(link, err),
      });
      // Numbered, so that a Hello the coordinator reads late (after this process gave up on
      // its stream and dialled again) cannot take the host from the newer stream.
      this.dials += 1;
      link.blocked = !link.stream.write({ hello: { ...this.handler.hello(), attempt: this.dials } });
    } catch (err) {
      // Dialling itself failed (bad address, credentials): same path as a refused stream.
      link.failure = err instanceof Error ? err : new Error(String(err));
      link.stream?.cancel();
      queueMicrotask(() => this.onClose(link, link.failure));
      return;
    }
    this.armDeadline(link, 'connect', waitMs);
  }

  /** The dial moved on a stage: the wait starts again, for what this stage waits for. */
  private onStage(link: Link, stage: 'accept' | 'welcome'): void {
    const state = this.current;
    if (link !== this.link || link.closed || link.session || state.type !== 'connecting') return;
    // Only forwards: a kept connection is taken without a TCP event of its own.
    if (state.stage === stage || state.stage === 'welcome') return;
    this.current = { ...state, stage };
    this.armDeadline(link, stage, stage === 'accept' ? Math.max(this.acceptTimeoutMs, link.waitMs) : link.waitMs);
  }

  /**
   * Gives the dial up after `ms` unless it moves on first. Every stage's timeout counts as a
   * late Welcome: a coordinator whose kernel drops SYNs (a full accept queue) or that does
   * not take or answer a connection is busy or gone, and either way the next wait is longer.
   */
  private armDeadline(link: Link, stage: DialStage, ms: number): void {
    if (link.deadline) this.clock.clearTimeout(link.deadline);
    link.deadline = this.clock.setTimeout(() => {
      link.deadline = undefined;
      this.welcomeTimeouts++;
      link.failure = new WelcomeTimeoutError(link.target.address, ms, stage);
      link.stream?.cancel();
    }, ms);
  }

  private onMessage(link: Link, msg: CoordinatorMessage): void {
    if (link !== this.link || link.closed) return;
    if (link.session) {
      this.handler.message(msg, link.session);
      return;
    }
    if (msg.body !== 'welcome' || !msg.welcome) {
      // Only Welcome may answer Hello; anything else means this is not a peer to talk to.
      link.failure = new StreamClosedError(link.target.address, `expected Welcome, got ${msg.body ?? 'an unknown message'}`);
      link.stream?.cancel();
      return;
    }
    this.clearTimers(link);
    this.welcomeTimeouts = 0;
    const welcome = msg.welcome;
    link.session = this.makeSession(link, welcome);
    this.current = { type: 'connected', target: link.target.address, coordinatorId: welcome.coordinatorId, sinceMs: this.clock.now() };
    this.log.connected(link.target.address, welcome.coordinatorId);
    link.timers.push(
      this.clock.setTimeout(() => {
        link.healthy = true;
        this.failures = 0;
      }, this.healthyAfterMs),
    );
    this.handler.welcomed(link.session);
  }

  private makeSession(link: Link, welcome: Welcome): Session {
    return {
      target: link.target,
      welcome,
      get writable() {
        return !link.closed && !link.ended && !link.blocked;
      },
      send(msg) {
        if (link.closed || link.ended || link.blocked || !link.stream) return false;
        link.blocked = !link.stream.write(msg);
        return true;
      },
    };
  }

  private onClose(link: Link, err: Error | undefined): void {
    if (link.closed) return;
    link.closed = true;
    this.clearTimers(link);
    link.onClosed?.();
    if (link !== this.link || this.stopping) return;
    this.dispose(link);

    const reason = link.failure ?? err ?? new StreamClosedError(link.target.address, 'ended by the coordinator');
    if (link.session) {
      this.log.disconnected(link.target.address, reason);
      this.handler.lost(link.session, reason);
    }
    const pushbackMs = link.session ? undefined : retryPushbackOf(err);
    if (pushbackMs !== undefined) {
      // Sent away by a busy coordinator (a connect storm): it is up, so come back to it when
      // it asks, without counting a failure or moving on to the next target.
      this.scheduleRetry(link, reason, this.failures + 1, pushbackDelay(pushbackMs, this.backoff.random));
    } else if (link.healthy) {
      // It worked for a while: start over from the preferred target, retrying soon.
      this.targetIndex = 0;
      this.scheduleRetry(link, reason, 1);
    } else {
      this.failures++;
      this.targetIndex = (this.targetIndex + 1) % this.targets.length;
      this.scheduleRetry(link, reason, this.failures);
    }
  }

  private scheduleRetry(from: Link, reason: Error, attempt: number, delay = backoffDelay(attempt, this.backoff)): void {
    const next = this.targets[this.targetIndex]!;
    if (!from.session) this.log.attemptFailed(from.target.address, reason, next.address, delay);
    this.current = { type: 'waiting', nextTarget: next.address, retryAtMs: this.clock.now() + delay, attempt };
    this.retryTimer = this.clock.setTimeout(() => this.attempt(), delay);
  }

  private clearTimers(link: Link): void {
    for (const t of link.timers) this.clock.clearTimeout(t);
    link.timers = [];
    if (link.deadline) this.clock.clearTimeout(link.deadline);
    link.deadline = undefined;
  }

  private dispose(link: Link): void {
    this.clearTimers(link);
    if (this.link === link) this.link = undefined;
  }
}
