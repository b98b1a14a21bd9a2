import {
  ConfigError,
  createLogger,
  describeTightening,
  ensurePrivateDir,
  systemClock,
  type AgentMessageIn,
  type Clock,
  type CoordinatorMessage,
  type Hello,
  type Logger,
  type TimerHandle,
  LIVENESS_DATAGRAM_CAPABILITY,
  ECHO_CAPABILITY,
} from '@vigil/shared';
import { DEFAULT_COLLECTOR_TIMEOUT_MS, createCollectors } from './collectors/index.js';
import { CollectorRunner, type SampleRound } from './collectors/runner.js';
import type { Collector } from './collectors/types.js';
import type { AgentConfig } from './config.js';
import { Connection, type ConnectionOptions, type ConnectionState, type Session } from './connection.js';
import { createCredentials } from './credentials.js';
import { describeError } from './errors.js';
import { createGrpcDialer } from './grpc-dialer.js';
import { LivenessPump } from './liveness.js';
import { DatagramLink, datagramOffer, udpSocketFactory, type DatagramSocketFactory } from './liveness-datagrams.js';
import { buildHeartbeat } from './heartbeat.js';
import type { AgentContext, AgentPlugin, DeclaredService, HeartbeatExtras, RequestKind } from './plugin.js';
import { Sampler } from './sampler.js';
import { Cadence } from './cadence.js';
import { readStaticInfo, type StaticInfo } from './static-info.js';
import type { Dialer } from './transport.js';
import { AGENT_VERSION } from './version.js';
import { agreedInterval } from './welcome.js';

/**
 * Capabilities of the core agent; plugins add theirs. `liveness_grant`: a LivenessGrant
 * on the stream changes the liveness period (docs/contract.md).
 */
export const CORE_CAPABILITIES: readonly string[] = ['resources', 'liveness_grant', LIVENESS_DATAGRAM_CAPABILITY, ECHO_CAPABILITY];

/**
 * Where on the grid heartbeats go: the first liveness tick after the grid point, when the
 * liveness period divides the interval. The host is sampled at the grid point, so the
 * heartbeat a period later carries a fresh sample, and it costs no wake-up of its own: it
 * goes out in the wake-up of that liveness. Otherwise on the grid point, with the sample
 * of the point before.
 */
export function heartbeatOffset(intervalMs: number, livenessPeriodMs: number): number {
  return livenessPeriodMs > 0 && livenessPeriodMs < intervalMs && intervalMs % livenessPeriodMs === 0 ? livenessPeriodMs : 0;
}

/** A granted liveness period under this is refused: a coordinator's mistake must not flood the link. */
export const MIN_LIVENESS_GRANT_MS = 100;

export interface AgentOptions {
  config: AgentConfig;
  /** @default gRPC with the credentials from `config.tls` */
  dialer?: Dialer;
  /** @default one fresh instance of every collector in the COLLECTORS table */
  collectors?: readonly Collector[];
  /** @default [] */
  plugins?: readonly AgentPlugin[];
  /** @default systemClock */
  clock?: Clock;
  /** @default createLogger('vigil-agent', config.logLevel) */
  logger?: Logger;
  /** @default read once per process with si.osInfo() */
  staticInfo?: () => Promise<StaticInfo>;
  /** Reconnect and stop timing; see ConnectionOptions for the defaults. */
  connection?: Pick<ConnectionOptions, 'welcomeTimeoutMs' | 'welcomeTimeoutCapMs' | 'acceptTimeoutMs' | 'backoff' | 'healthyAfterMs' | 'stopTimeoutMs'>;
  /**
   * Budget for one collector in one round. Not tied to the interval: rounds never overlap
   * and heartbeats never wait for them, so a short interval must not turn a briefly slow
   * read on a busy host into a failure.
   * @default 2000
   */
  collectorTimeoutMs?: number;
  /** Opens the UDP socket of liveness datagrams. @default a connected node:dgram socket */
  datagramSocket?: DatagramSocketFactory;
  /** The grid all periodic work meets on. @default Cadence.forHost(clock, config.hostId) */
  cadence?: Cadence;
}

/**
 * vigil-agent's core: samples the host on its own timer and keeps a heartbeat stream to
 * a coordinator. Features beyond resources plug in through AgentPlugin.
 */
export class Agent {
  readonly config: AgentConfig;
  readonly logger: Logger;
  /** Unix ms when this agent object was created: tells the coordinator a restart from a reconnect. */
  readonly startedAtMs: number;
  private readonly clock: Clock;
  private readonly plugins: readonly AgentPlugin[];
  private readonly sampler: Sampler;
  private readonly connection: Connection;
  private readonly staticInfoSource: () => Promise<StaticInfo>;
  private staticInfo: StaticInfo | undefined;
  private readonly ctx: AgentContext;
  /** Request kinds already reported as unserved, so each is logged once. */
  private readonly unserved = new Set<RequestKind>();
  private session: Session | undefined;
  private warnedEcho = false;
  private liveness: LivenessPump | undefined;
  /**
   * The current stream's liveness datagrams, when its Welcome offered them; `heard`: the
   * coordinator said it hears them, so no Liveness messages go on the stream.
   */
  private datagrams: { link: DatagramLink; heard: boolean } | undefined;
  private readonly datagramSocket: DatagramSocketFactory;
  private readonly cadence: Cadence;
  private heartbeatTimer: TimerHandle | undefined;
  private intervalMs: number;
  private seq = 0;
  private acked = 0;
  private skippedInARow = 0;
  private started: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(options: AgentOptions) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger('vigil-agent', options.config.logLevel);
    this.startedAtMs = this.clock.now();
    this.plugins = options.plugins ?? [];
    this.datagramSocket = options.datagramSocket ?? udpSocketFactory;
    this.intervalMs = options.config.intervalMs;
    this.staticInfoSource = options.staticInfo ?? (() => readStaticInfo());
    const timeoutMs = options.collectorTimeoutMs ?? DEFAULT_COLLECTOR_TIMEOUT_MS;
    const runner = new CollectorRunner(options.collectors ?? createCollectors({ timeoutMs }), { timeoutMs, clock: this.clock });
    const cadence = options.cadence ?? Cadence.forHost(this.clock, this.config.hostId);
    this.cadence = cadence;
    this.sampler = new Sampler(runner, {
      intervalMs: this.intervalMs,
      clock: this.clock,
      cadence,
      onError: (err) => this.logger.error({ err }, 'sampling round failed'),
    });
    this.ctx = {
      config: this.config,
      logger: this.logger,
      clock: this.clock,
      cadence,
      welcome: () => this.session?.welcome,
      coordinatorSupports: (capability: string) => this.session?.welcome.capabilities?.includes(capability) ?? false,
      canSend: () => this.session?.writable ?? false,
      send: (msg: AgentMessageIn) => this.session?.send(msg) ?? false,
    };
    this.connection = new Connection({
      targets: options.config.coordinators,
      dialer: options.dialer ?? createGrpcDialer(createCredentials(options.config.tls)),
      clock: this.clock,
      logger: this.logger,
      ...options.connection,
      handler: {
        hello: () => this.hello(),
        welcomed: (s) => this.onWelcomed(s),
        message: (m) => this.onMessage(m),
        lost: (_s, reason) => this.onLost(reason),
        drained: () => {
          for (const p of this.plugins) this.safely(p, 'onDrain', () => p.onDrain?.());
        },
      },
    });
  }

  /** Sequence number of the last heartbeat sent; 0 before the first. */
  get lastSentSeq(): number {
    return this.seq;
  }

  /** Highest sequence number the coordinator has acknowledged; 0 before the first ack. */
  /** The liveness period in force on the current stream (0: none). */
  get livenessPeriodMs(): number {
    return this.liveness?.periodMs ?? 0;
  }

  get lastAckedSeq(): number {
    return this.acked;
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** The most recent sample round, or undefined before the first one. */
  latestSample(): SampleRound | undefined {
    return this.sampler.latest();
  }

  /**
   * Creates the data directory, reads static host facts, starts plugins and the first
   * sampling round, then starts connecting. Resolves once connecting has begun; the
   * connection itself is retried for ever.
   */
  start(): Promise<void> {
    this.started ??= this.boot();
    return this.started;
  }

  private async boot(): Promise<void> {
    try {
      // 0700: the journal and service state are for the agent's user only.
      ensurePrivateDir(this.config.dataDir, (path, from, to) => this.logger.warn({ event: 'data_dir_tightened', path }, describeTightening(path, from, to)));
    } catch (err) {
      throw new ConfigError([`dataDir (--data-dir): cannot create "${this.config.dataDir}": ${describeError(err)}`]);
    }
    this.staticInfo = await this.staticInfoSource();
    for (const p of this.plugins) await this.safely(p, 'start', () => p.start?.(this.ctx));
    // The first round is bounded by the collector timeout; waiting for it means the first
    // heartbeat after Welcome already carries figures.
    await this.sampler.start();
    this.logger.info({ event: 'starting', hostId: this.config.hostId, coordinators: this.config.coordinators.map((t) => t.address), intervalMs: this.config.intervalMs, version: AGENT_VERSION }, 'vigil-agent starting');
    this.connection.start();
  }

  /** Says Goodbye, waits briefly for the coordinator to close, stops timers and plugins. */
  stop(reason = 'shutdown'): Promise<void> {
    this.stopped ??= (async () => {
      await this.started?.catch(() => {});
      this.stopHeartbeats();
      this.sampler.stop();
      await this.connection.stop(reason);
      for (const p of this.plugins) await this.safely(p, 'stop', () => p.stop?.());
      this.logger.info({ event: 'stopped', reason, lastSentSeq: this.seq, lastAckedSeq: this.acked }, 'vigil-agent stopped');
    })();
    return this.stopped;
  }

  private hello(): Hello {
    const info = this.staticInfo!;
    const services: DeclaredService[] = [];
    const capabilities = new Set(CORE_CAPABILITIES);
    let eventEpoch = '';
    for (const p of this.plugins) {
      const extra = this.safely(p, 'hello', () => p.hello?.());
      if (extra?.services) services.push(...extra.services);
      for (const c of extra?.capabilities ?? []) capabilities.add(c);
      if (extra?.eventEpoch) eventEpoch = extra.eventEpoch;
    }
    return {
      hostId: this.config.hostId,
      agentVersion: AGENT_VERSION,
      hostname: info.hostname,
      os: { ...info.os },
      services,
      capabilities: [...capabilities],
      intervalMs: this.config.intervalMs,
      livenessIntervalMs: this.config.livenessIntervalMs,
      labels: { ...this.config.labels },
      startedAtMs: this.startedAtMs,
      // Absent without a journal (no services plugin): the epoch "" on the wire.
      ...(eventEpoch ? { eventEpoch } : {}),
      // Absent: the coordinator's fleet default; 0 on the wire means "no SSH to judge".
      ...(this.config.sshPort === undefined ? {} : { sshPort: this.config.sshPort === 'none' ? 0 : this.config.sshPort }),
    };
  }

  private onWelcomed(session: Session): void {
    this.session = session;
    // The coordinator may clamp the interval; keep the one it expects.
    this.intervalMs = agreedInterval(session.welcome.intervalMs, this.config.intervalMs);
    this.sampler.setInterval(this.intervalMs);
    for (const p of this.plugins) this.safely(p, 'onConnected', () => p.onConnected?.(session.welcome));
    // Liveness only where the coordinator granted a period (older ones grant none). Armed
    // before the first heartbeat, which goes out now and is then placed by its period.
    this.openDatagrams(session);
    this.startLiveness(session, session.welcome.livenessIntervalMs ?? 0);
    this.heartbeatTick();
  }

  private openDatagrams(session: Session): void {
    this.closeDatagrams();
    if ((session.welcome.livenessIntervalMs ?? 0) <= 0) return;
    const offer = datagramOffer(session.welcome);
    if (offer === undefined) return;
    if ('error' in offer) {
      this.logger.warn({ problem: offer.error }, 'ignored the liveness datagram offer of the Welcome; liveness goes on the stream');
      return;
    }
    this.datagrams = { link: new DatagramLink(session.target.host, offer, this.datagramSocket, this.logger), heard: false };
  }

  private closeDatagrams(): void {
    this.datagrams?.link.close();
    this.datagrams = undefined;
  }

  /** A datagram where the Welcome offered them; a stream message too until the coordinator hears the datagrams. */
  private sendLiveness(session: Session, agentStallMs: number): void {
    const d = this.datagrams;
    d?.link.send(agentStallMs);
    // After a stall the stream carries it too, ahead of the heartbeat the stall held back:
    // the stream keeps order, and the coordinator reads a datagram only at its next sweep,
    // so that heartbeat would otherwise bring the host back without naming the stall.
    if (!d?.heard || agentStallMs > 0) session.send({ liveness: { agentStallMs } });
  }

  private startLiveness(session: Session, periodMs: number): void {
    this.liveness?.stop();
    this.liveness = undefined;
    if (periodMs <= 0) return;
    this.liveness = new LivenessPump(this.clock, this.cadence, periodMs, (stall) => this.sendLiveness(session, stall));
    this.liveness.start();
  }

  /**
   * A new period for this stream (the coordinator's fleet grew or shrank; 0 stops liveness),
   * and whether the coordinator hears its datagrams (then none go on the stream).
   */
  private onLivenessGrant(periodMs: number, datagramsHeard: boolean): void {
    const session = this.session;
    if (!session) return;
    const d = this.datagrams;
    if (d && d.heard !== datagramsHeard) {
      d.heard = datagramsHeard;
      this.logger.info({ datagramsHeard }, datagramsHeard ? 'the coordinator hears liveness datagrams: liveness goes as datagrams only' : 'the coordinator hears no liveness datagrams: liveness goes on the stream too');
    }
    if (!Number.isSafeInteger(periodMs) || periodMs < 0 || (periodMs > 0 && periodMs < MIN_LIVENESS_GRANT_MS)) {
      this.logger.warn({ livenessIntervalMs: periodMs, minMs: MIN_LIVENESS_GRANT_MS }, `refused a liveness grant of ${periodMs} ms (at least ${MIN_LIVENESS_GRANT_MS} ms, or 0 for none); the period stays ${this.liveness?.periodMs ?? 0} ms`);
      return;
    }
    if (periodMs === (this.liveness?.periodMs ?? 0)) return;
    this.logger.info({ from: this.liveness?.periodMs ?? 0, to: periodMs }, 'liveness period changed by the coordinator');
    this.startLiveness(session, periodMs);
  }

  private onLost(reason: Error): void {
    this.stopHeartbeats();
    this.session = undefined;
    for (const p of this.plugins) this.safely(p, 'onDisconnected', () => p.onDisconnected?.(reason));
  }

  /** Handles each kind of coordinator message; a new kind in the proto fails to compile here until handled. */
  private onMessage(msg: CoordinatorMessage): void {
    const body = msg.body;
    switch (body) {
      case 'welcome':
        this.logger.warn({ coordinatorId: msg.welcome?.coordinatorId }, 'ignoring a second Welcome on the same stream');
        break;
      case 'ack':
        this.onAck(msg.ack?.seq ?? 0);
        break;
      case 'probe':
        this.route('probe', msg.probe);
        break;
      case 'recover':
        this.route('recover', msg.recover);
        break;
      case 'eventAck':
        this.route('eventAck', msg.eventAck);
        break;
      case 'serviceAction':
        this.route('serviceAction', msg.serviceAction);
        break;
      case 'livenessGrant':
        this.onLivenessGrant(msg.livenessGrant?.livenessIntervalMs ?? 0, msg.livenessGrant?.datagramsHeard === true);
        break;
      case 'echo':
        this.onEcho(msg.echo?.nonce);
        break;
      case undefined:
        // A newer coordinator's message kind: the proto's compatibility rule says ignore it.
        this.logger.debug('ignoring a coordinator message of an unknown kind');
        break;
      default:
        assertNever(body);
    }
    for (const p of this.plugins) this.safely(p, 'onMessage', () => p.onMessage?.(msg));
  }

  /** Hands a request to the plugin that serves its kind. */
  private route<K extends RequestKind>(kind: K, request: CoordinatorMessage[K] | undefined): void {
    if (!request) return;
    let served = false;
    for (const p of this.plugins) {
      const handler = p.requests?.[kind] as ((r: NonNullable<CoordinatorMessage[K]>, ctx: AgentContext) => void) | undefined;
      if (!handler) continue;
      served = true;
      this.safely(p, `requests.${kind}`, () => handler(request, this.ctx));
    }
    if (!served && !this.unserved.has(kind)) {
      // The coordinator should only ask for what Hello.capabilities announced; say so once.
      this.unserved.add(kind);
      this.logger.warn({ kind }, `coordinator sent a ${kind} request, which this agent does not serve; ignored`);
    }
  }

  /**
   * Answered at once, before anything else this wake-up does: the coordinator times the
   * round trip to know how soon this agent would be back after its connection broke.
   */
  private onEcho(nonce: unknown): void {
    if (typeof nonce !== 'number' || !Number.isInteger(nonce) || nonce < 1) {
      // Once per process: each would be the same news.
      if (!this.warnedEcho) this.logger.warn({ nonce: String(nonce) }, 'ignored an echo without a usable nonce');
      this.warnedEcho = true;
      return;
    }
    this.session?.send({ echoReply: { nonce } });
  }

  private onAck(seq: number): void {
    if (seq > this.seq) {
      this.logger.warn({ seq, lastSentSeq: this.seq }, 'ack for a heartbeat that was never sent; ignored');
      return;
    }
    if (seq > this.acked) this.acked = seq;
  }

  private heartbeatTick(): void {
    this.heartbeatTimer = undefined;
    const session = this.session;
    if (!session) return;
    // Due on the same wake-up (or both held back by a stall): the liveness goes first, so a
    // stall it reports reaches the coordinator before this heartbeat does.
    this.liveness?.runIfDue();
    this.sendHeartbeat(session);
    const wait = this.cadence.delayAfter(this.clock.now(), this.intervalMs, heartbeatOffset(this.intervalMs, this.liveness?.periodMs ?? 0));
    this.heartbeatTimer = this.clock.setTimeout(() => this.heartbeatTick(), wait);
  }

  private sendHeartbeat(session: Session): void {
    if (!session.writable) {
      // A full buffer means the coordinator is not reading; piling more on would only grow memory.
      if (this.skippedInARow++ === 0) this.logger.warn({ event: 'backpressure', target: session.target.address }, 'stream is backed up; skipping heartbeats until it drains');
      return;
    }
    if (this.skippedInARow > 0) {
      this.logger.info({ event: 'drained', skipped: this.skippedInARow }, 'stream drained; heartbeats resume');
      this.skippedInARow = 0;
    }
    const extras: HeartbeatExtras[] = [];
    for (const p of this.plugins) {
      const extra = this.safely(p, 'heartbeat', () => p.heartbeat?.());
      if (extra) extras.push(extra);
    }
    // A seq is used only for a heartbeat actually handed to the stream, and never again.
    const seq = this.seq + 1;
    const heartbeat = buildHeartbeat(seq, this.clock.now(), this.sampler.latest(), extras);
    if (session.send({ heartbeat })) this.seq = seq;
  }

  private stopHeartbeats(): void {
    this.liveness?.stop();
    this.liveness = undefined;
    this.closeDatagrams();
    if (this.heartbeatTimer) this.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private safely<T>(plugin: AgentPlugin, hook: string, fn: () => T): T | undefined {
    try {
      const out = fn();
      if (out instanceof Promise) {
        return out.catch((err: unknown) => {
          this.logger.error({ plugin: plugin.name, hook, err: describeError(err) }, 'plugin hook failed');
        }) as T;
      }
      return out;
    } catch (err) {
      this.logger.error({ plugin: plugin.name, hook, err: describeError(err) }, 'plugin hook failed');
      return undefined;
    }
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled coordinator message kind: ${String(x)}`);
}

/** A running agent. */
export interface AgentHandle {
  readonly agent: Agent;
  /** Graceful stop: Goodbye, half-close, short wait for the coordinator. */
  stop(reason?: string): Promise<void>;
}

/** Builds and starts an agent. */
export async function startAgent(config: AgentConfig, options: Omit<AgentOptions, 'config'> = {}): Promise<AgentHandle> {
  const agent = new Agent({ ...options, config });
  await agent.start();
  return { agent, stop: (reason?: string) => agent.stop(reason) };
}
