import { SessionSupersededError, UnknownHostError, VigilError, type Clock, type Logger, type TimerHandle, type ValidAgentEvent, type ValidHeartbeat, type ValidHello } from '@vigil/shared';
import type { SilenceDetector, SilenceVerdict } from '../detector/silence-detector.js';
import type { AgentEventStore } from '../store/agent-event-store.js';
import type { HostStore } from '../store/host-store.js';
import { isStoreCondition, StoreWriteGuard } from '../store/write-guard.js';
import type { HeartbeatWriter } from './heartbeat-writer.js';
import { HeartbeatStorePacer } from './heartbeat-store-pacer.js';
import { RowBatch } from './row-batch.js';
import { sameAgentInfo } from './agent-info.js';
import { StringPool } from './string-pool.js';
import { DisconnectGrace, type GraceKind } from './disconnect-grace.js';
import type { HelloOutcome, HostRecord, HostState, RegistryEvent, Transition } from './types.js';

export interface RegistryOptions {
  /**
   * suspect → silent when a broken stream is not replaced within this, in ms: the most a
   * host waits, less where its agent needs less to come back (DisconnectGrace). @default 1000
   */
  disconnectGraceMs: number;
  /** The shortest grace, however little the agent needs, in ms. @default 0 */
  minDisconnectGraceMs?: number;
  /** After a coordinator start, known hosts get at least this long to reconnect, in ms. @default 15000 */
  restartGraceMs: number;
  /** Detection window for an interval, so the restart grace covers at least one. */
  detectionWindowMs: (intervalMs: number) => number;
  /**
   * Persists the removal of a host with its outbox event, atomically.
   * @default deletes the host's rows from the store, publishing nothing
   */
  removalSink?: RemovalSink;
  /**
   * Every store write goes through it: a write the store refuses (disk full) is kept and
   * written later, and memory moves on. @default a guard of its own that reports nowhere
   */
  storeGuard?: StoreWriteGuard;
  /**
   * A host's heartbeat is stored at most this often unless its services changed (see
   * HeartbeatStorePacer), in ms; 0 stores every heartbeat. @default 0
   */
  heartbeatStoreIntervalMs?: number;
  /**
   * The latest moment an agent turned away by Hello admission was told to come back
   * (HelloAdmission.returnsDueBy). A host waiting for its agent to reconnect (after a
   * restart or an adoption) is not judged silent before then: its agent may be waiting for
   * its turn. @default none
   */
  returnsDueBy?: () => number;
}

/**
 * How far past the restart grace a host waiting for its reconnect may be kept from
 * judgement, in multiples of the grace: a coordinator that keeps turning agents away for
 * that long is not catching up, and hosts that are really gone must be found.
 */
const RECONNECT_WAIT_LIMIT = 4;
/**
 * After a restart, hosts still absent wait this long after the last host that came back:
 * the longest an agent in reconnect backoff waits between two attempts (vigil-agent's cap,
 * 10 s). A fleet still arriving this often is still reconnecting.
 */
const RECONNECT_QUIET_MS = 10_000;
/** A disconnect grace's timer this late means the coordinator's own thread stood still (armGrace). */
const GRACE_LATE_MS = 50;

/** Persists a removed host (its rows go; its history with them) and the event saying so. */
export type RemovalSink = (host: HostRecord, at: number, by: string) => void;

/** Persists a transition with its outbox event, atomically. */
export type TransitionSink = (t: Transition, host: HostRecord) => void;

export interface RegistryMetrics {
  transition(from: HostState | null, to: HostState): void;
  /**
   * Events a host's agent lost: `sequence` for a gap noticed in an epoch's sequence,
   * `agent` for an `event_lost` marker the agent sent in place of a damaged journal line.
   */
  eventsLost?(source: 'sequence' | 'agent'): void;
}

/**
 * The fleet as the coordinator sees it: one record per host, one live session per host,
 * and the state machine online ⇄ suspect → silent, any → left on Goodbye.
 * Memory is the read model for the API; SQLite is written on every change of state, and
 * with a host's latest heartbeat at the pace HeartbeatStorePacer sets.
 *
 * Memory leads and the store follows: when the store refuses a write (a full disk), the
 * state machine and the detector carry on from memory, and the write is kept by the store
 * guard and made once the store takes writes again (a host's row is re-saved from memory,
 * transitions are written in order). Agent events alone wait for the store: one is acked
 * only once it is stored, since the agent's journal is what keeps it until then.
 */
export class HostRegistry {
  private readonly hosts = new Map<string, HostRecord>();
  private readonly sessions = new Map<string, number>();
  private readonly graceTimers = new Map<string, TimerHandle>();
  private readonly disconnectGrace: DisconnectGrace;
  /** Set while the coordinator stops: streams it ends itself are no outage. */
  private stopping = false;
  private readonly subscribers: ((e: RegistryEvent) => void)[] = [];
  private readonly counts: Record<HostState, number> = { online: 0, suspect: 0, silent: 0, left: 0 };
  /** Hosts another coordinator owns now (cluster mode): known here, judged there. */
  private readonly remote = new Set<string>();
  /** The event epoch each connected agent's Hello named: its events count in it. */
  private readonly eventEpochs = new Map<string, string>();
  /**
   * Sessions an event of which was neither stored nor kept (too many kept writes): their
   * later events are not taken either, as an ack of a later one would tell the agent to
   * drop the lost one. The agent sends them all again on its next stream.
   */
  private readonly sessionsMissingEvents = new Set<number>();
  /**
   * Hosts waiting for their agent to reconnect, loaded live at start or adopted from a
   * coordinator that left, with when they began to wait (reconnectPending).
   */
  private readonly awaitingReconnect = new Map<string, number>();
  /**
   * Sessions of waiting hosts that said Hello and nothing since (no heartbeat, liveness or
   * event), with when their host began to wait. See streamClosed.
   */
  private readonly unconfirmed = new Map<number, number>();
  /** Hello.attempt of each host's current stream, where its agent numbers them. */
  private readonly attempts = new Map<string, number>();
  /** When a host waiting for its reconnect last said Hello. */
  private lastReconnectAt = -Infinity;
  private readonly guard: StoreWriteGuard;
  private readonly storePacer: HeartbeatStorePacer;
  /** Rows of known hosts rewritten by their Hello, committed together at the end of the loop turn. */
  private readonly helloRows = new RowBatch((ids) => this.saveHosts(ids));
  /** One copy of the names hosts repeat, for what the records keep of Hellos and heartbeats. */
  private readonly strings = new StringPool();

  constructor(
    private readonly clock: Clock,
    private readonly store: HostStore,
    private readonly writer: HeartbeatWriter,
    private readonly detector: SilenceDetector,
    private readonly sink: TransitionSink,
    private readonly opts: RegistryOptions,
    private readonly log: Logger,
    private readonly events: AgentEventStore,
    private readonly metrics: RegistryMetrics = { transition: () => {} },
  ) {
    this.guard = opts.storeGuard ?? new StoreWriteGuard(clock, log);
    this.storePacer = new HeartbeatStorePacer(opts.heartbeatStoreIntervalMs ?? 0);
    this.disconnectGrace = new DisconnectGrace(opts.disconnectGraceMs, opts.minDisconnectGraceMs ?? 0);
  }

  /** Incidents and predictions follow the fleet through this; a throwing subscriber is logged, not fatal. */
  subscribe(fn: (e: RegistryEvent) => void): void {
    this.subscribers.push(fn);
  }

  private publish(e: RegistryEvent): void {
    for (const fn of this.subscribers) {
      try {
        fn(e);
      } catch (err) {
        // A store refusal is counted and logged once per episode by the guard.
        if (isStoreCondition(err)) this.log.debug({ err: err.message, event: e.type }, 'registry subscriber could not write the store');
        else this.log.error({ err, event: e.type }, 'registry subscriber failed');
      }
    }
  }

  /** Loads stored hosts; live ones get one detection window (at least the restart grace). */
  load(): void {
    for (const h of this.store.all()) {
      this.hosts.set(h.id, h);
      this.counts[h.state]++;
      if (h.state === 'online' || h.state === 'suspect') this.awaitReconnect(h, this.clock.now());
    }
  }

  /**
   * The host's agent is expected back (a restart, an adoption): it gets what is left of
   * the restart grace since `since`, at least a detection window, and waits longer while
   * the fleet is still coming back (reconnectPending).
   */
  private awaitReconnect(host: HostRecord, since: number): void {
    this.awaitingReconnect.set(host.id, since);
    const graceLeft = since + this.opts.restartGraceMs - this.clock.now();
    this.detector.watch(host.id, host.intervalMs, Math.max(graceLeft, this.opts.detectionWindowMs(host.intervalMs)));
  }

  /**
   * Whether a silent verdict on a host stored live, whose agent has not come back since the
   * restart, waits. It does while the fleet is still coming back: while agents told to come
   * back later are due (Hello admission), and until RECONNECT_QUIET_MS after the last host
   * that came back, since agents whose attempts failed are in their reconnect backoff. Its
   * agent may be one of them. Judged on the next verdict after that, or past the limit.
   */
  private reconnectPending(host: HostRecord): boolean {
    const since = this.awaitingReconnect.get(host.id);
    if (since === undefined) return false;
    const now = this.clock.now();
    if (now - since > this.opts.restartGraceMs * RECONNECT_WAIT_LIMIT) return false;
    const until = Math.max(this.opts.returnsDueBy?.() ?? -Infinity, this.lastReconnectAt + RECONNECT_QUIET_MS);
    if (!(until > now)) return false;
    this.detector.watch(host.id, host.intervalMs, until - now + this.opts.detectionWindowMs(host.intervalMs));
    return true;
  }

  /** Every host, sorted by id: for people (the API). Internal users iterate `all()`. */
  list(): HostRecord[] {
    return [...this.hosts.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Every host in no particular order, without copying or sorting the fleet. */
  all(): IterableIterator<HostRecord> {
    return this.hosts.values();
  }

  /** Hosts per state, kept as transitions happen: O(1), for decisions taken per transition. */
  stateCounts(): Readonly<Record<HostState, number>> {
    return this.counts;
  }

  get(id: string): HostRecord | undefined {
    return this.hosts.get(id);
  }

  connectedCount(): number {
    return this.sessions.size;
  }

  /** Hosts known, in any state. */
  get size(): number {
    return this.hosts.size;
  }

  countByState(): Record<HostState, number> {
    return { ...this.counts };
  }

  isConnected(hostId: string): boolean {
    return this.sessions.has(hostId);
  }

  isCurrentSession(hostId: string, sessionId: number): boolean {
    return this.sessions.get(hostId) === sessionId;
  }

  /**
   * A stream said Hello. One agent stream per host id; when one is already attached:
   * - the same agent process (same `startedAtMs`) reconnecting takes over at once: it
   *   gave up its old stream itself (Welcome timeout, keepalive), so that one is dead;
   * - another agent is refused while the attached stream is alive: the host is `online`
   *   and its last message came within one detection window (the detector's bound). Two
   *   agents with one host id would otherwise take the stream from each other forever;
   * - once the attached stream is quiet for longer than that (half-open after a reboot
   *   or a cut, or frozen), the new agent takes over.
   */
  hello(hello: ValidHello, intervalMs: number, sessionId: number, peerAddress: string | null = null, livenessMs = 0): HelloOutcome {
    const now = this.clock.now();
    const replaced = this.sessions.get(hello.hostId);
    if (replaced !== undefined) {
      const refusal = this.staleAttempt(hello) ?? this.holderRefusal(hello, replaced, now);
      if (refusal) return refusal;
    }
    this.attachStream(hello.hostId, sessionId, hello.attempt);
    // A retry can arrive before the stream of the attempt it replaces is seen to end: the
    // host was waiting if that attempt found it waiting.
    const waitingSince = this.awaitingReconnect.get(hello.hostId) ?? (replaced === undefined ? undefined : this.unconfirmed.get(replaced));
    this.awaitingReconnect.delete(hello.hostId);
    if (waitingSince !== undefined) {
      this.unconfirmed.set(sessionId, waitingSince);
      this.lastReconnectAt = now;
    }
    if (replaced !== undefined) {
      this.sessionsMissingEvents.delete(replaced);
      this.unconfirmed.delete(replaced);
    }
    this.cancelGrace(hello.hostId);
    this.strings.internHello(hello);
    const prev = this.hosts.get(hello.hostId);
    const restarted = prev?.agentStartedAt != null && prev.agentStartedAt !== hello.startedAtMs;
    const host: HostRecord = {
      id: hello.hostId,
      state: prev?.state ?? 'online',
      stateSince: prev?.stateSince ?? now,
      hostname: hello.hostname,
      agentVersion: hello.agentVersion,
      os: hello.os,
      labels: hello.labels,
      services: hello.services,
      capabilities: hello.capabilities,
      intervalMs,
      address: hello.labels['address'] ?? peerAddress ?? prev?.address ?? null,
      firstSeen: prev?.firstSeen ?? now,
      lastSeen: now,
      // A restarted agent counts its heartbeats from 1 again.
      lastSeq: restarted ? 0 : (prev?.lastSeq ?? 0),
      agentStartedAt: hello.startedAtMs,
      latestSample: prev?.latestSample ?? null,
      sampleAt: prev?.sampleAt ?? null,
      serviceStatus: prev?.serviceStatus ?? [],
      ...(hello.sshPort === undefined ? {} : { sshPort: hello.sshPort === 0 ? ('none' as const) : hello.sshPort }),
    };
    this.hosts.set(host.id, host);
    // The stream's first heartbeat is stored, with when the host was last seen, whether or
    // not the Hello's row is rewritten below.
    this.storePacer.reset(host.id);
    // Accepted from memory even when its row cannot be written: refusing would only have
    // the agent retry while the host looks gone, and the detector works from memory. The
    // row is written once the store takes writes again; until then Welcome says what is
    // stored (lastEventSeq) or remembered (lastSeq), and the agent resends from there.
    // A new host's row is written now: its first transition, just below, refers to it. A
    // known host's row exists (or waits in the write guard's queue), so its rewrite joins
    // this loop turn's other Hellos in one commit; a state change of it is written at once
    // by the transition, and only what the Hello says about the agent waits for the turn.
    // One that says nothing new about the agent (every Hello of a fleet reconnecting after
    // a restart) is not rewritten at all: its first heartbeat is stored (the reset above).
    if (!prev) this.saveHost(host.id);
    else if (!sameAgentInfo(prev, host)) this.helloRows.add(host.id);
    // Welcome answers for the Hello's epoch only: a new journal gets 0 and replays from 1.
    // The epoch lives with the session (the stream states it once); the newest stored
    // number of an epoch is read from its events, so nothing about it is written here.
    const epoch = hello.eventEpoch ?? '';
    this.eventEpochs.set(host.id, epoch);
    // An agent that sends liveness is judged by it (a short period), otherwise by its heartbeats.
    if (livenessMs > 0) this.detector.watch(host.id, livenessMs, undefined, 'liveness');
    else this.detector.watch(host.id, intervalMs);
    this.remote.delete(host.id);
    this.publish({ type: 'hello', host, attempt: hello.attempt ?? 0 });
    if (!prev) this.transition(host, null, 'online', 'first hello');
    else if (prev.state !== 'online') this.transition(host, prev.state, 'online', restarted ? 'agent restarted' : 'reconnected');
    return { type: 'accepted', lastSeq: host.lastSeq, lastEventSeq: this.storedEventSeq(host.id, epoch), replaced };
  }

  /**
   * The newest stored event of a host, for Welcome. A store that cannot even be read (an
   * I/O error) says 0: the agent then sends its whole journal again, and what is already
   * stored is recognised by its sequence number.
   */
  private storedEventSeq(hostId: string, epoch: string): number {
    try {
      return this.events.lastEventSeq(hostId, epoch);
    } catch (err) {
      if (!isStoreCondition(err)) throw err;
      return 0;
    }
  }

  /** The stream that holds the host now, and its Hello.attempt where its agent numbers them. */
  private attachStream(hostId: string, sessionId: number, attempt: number | undefined): void {
    this.sessions.set(hostId, sessionId);
    this.disconnectGrace.hello(hostId, this.clock.now());
    if (attempt) this.attempts.set(hostId, attempt);
    else this.attempts.delete(hostId);
  }

  /** No stream holds the host any more: its attempt number goes with it. */
  private detachStream(hostId: string): void {
    this.sessions.delete(hostId);
    this.disconnectGrace.detach(hostId);
    this.attempts.delete(hostId);
  }

  /**
   * A Hello from the agent process that holds the host's stream (same `startedAtMs`), from
   * an attempt older than the holder's: the agent gave up on it (its Welcome timed out, say)
   * and connected again, and this Hello was read late, from a connection already closed.
   * Taking the host for it would end the live stream and then see its own close: a page
   * for a host whose agent is connected.
   */
  private staleAttempt(hello: ValidHello): HelloOutcome | undefined {
    const holderAttempt = this.attempts.get(hello.hostId);
    const host = this.hosts.get(hello.hostId);
    if (!hello.attempt || holderAttempt === undefined || host?.agentStartedAt !== hello.startedAtMs || hello.attempt >= holderAttempt) return undefined;
    return { type: 'stale', message: `hello from attempt ${hello.attempt} of an agent process whose attempt ${holderAttempt} holds the stream for host "${hello.hostId}": an attempt it already gave up on` };
  }

  /** The refusal of a second agent while the attached stream is alive, or undefined to let it in. */
  private holderRefusal(hello: ValidHello, holder: number, now: number): HelloOutcome | undefined {
    const host = this.hosts.get(hello.hostId);
    if (!host || host.agentStartedAt === hello.startedAtMs) return undefined;
    const windowMs = this.opts.detectionWindowMs(host.intervalMs);
    const quietMs = host.lastSeen === null ? Infinity : now - host.lastSeen;
    if (host.state !== 'online' || quietMs > windowMs) return undefined;
    return {
      type: 'refused',
      holder,
      message:
        `host "${hello.hostId}" already has a live agent stream: another agent holds the stream for this host id ` +
        `(its last message came ${(quietMs / 1000).toFixed(1)} s ago). Give each host its own --host-id; ` +
        `this agent is let in once that stream ends or stays quiet for ${windowMs} ms`,
    };
  }

  /**
   * Records a heartbeat. `done` runs once it is stored, with `stored` true (then it may be
   * acked, with every heartbeat before it), or at once with `stored` false when the store
   * pacer keeps this one in memory only.
   */
  heartbeat(hostId: string, sessionId: number, hb: ValidHeartbeat, done: (err?: Error, stored?: boolean) => void): void {
    if (!this.isCurrentSession(hostId, sessionId)) {
      done(new SessionSupersededError(hostId, sessionId));
      return;
    }
    const host = this.hosts.get(hostId);
    if (!host) {
      done(new UnknownHostError(hostId));
      return;
    }
    this.unconfirmed.delete(sessionId);
    const now = this.clock.now();
    this.disconnectGrace.message(hostId, now);
    host.lastSeen = now;
    host.lastSeq = Math.max(host.lastSeq, hb.seq);
    this.strings.internHeartbeat(hb);
    if (hb.resources) {
      host.latestSample = hb.resources;
      host.sampleAt = now;
    }
    host.serviceStatus = hb.services;
    this.detector.heartbeat(hostId);
    if (host.state !== 'online') this.transition(host, host.state, 'online', 'heartbeats resumed');
    if (hb.findings.length > 0) {
      // One kept write per finding key: a later report replaces the kept one.
      for (const f of hb.findings) {
        this.guard.persist(`finding:${hostId}\0${f.service}\0${f.cause}\0${f.source}`, 'log finding', () => this.events.saveFindings(hostId, [f]));
      }
      this.publish({ type: 'findings', hostId, findings: hb.findings });
    }
    if (this.storePacer.due(hostId, now, hb.services)) {
      this.writer.enqueue({ hostId, seq: host.lastSeq, at: now, sample: host.latestSample, services: host.serviceStatus }, (err) => {
        if (err) {
          // The next heartbeat tries again.
          this.storePacer.failed(hostId);
          // Not acked (the caller sees err); the row is re-saved from memory on catch-up, so
          // the last heartbeat's time and sample are not lost.
          if (isStoreCondition(err)) this.guard.keep(hostKey(hostId), 'host row', () => this.writeHost(hostId));
        }
        done(err, err === undefined);
      });
    } else {
      done(undefined, false);
    }
    this.publish({ type: 'heartbeat', hostId, host });
  }

  /**
   * The stream's liveness period was changed (a re-grant): the detector judges the host by
   * the new period, or by its heartbeats when liveness stopped. False when the session is
   * no longer the host's (nothing changed).
   */
  livenessPeriodChanged(hostId: string, sessionId: number, periodMs: number): boolean {
    const host = this.hosts.get(hostId);
    if (!host || !this.isCurrentSession(hostId, sessionId)) return false;
    if (periodMs > 0) this.detector.repace(hostId, periodMs, 'liveness');
    else this.detector.repace(hostId, host.intervalMs, 'heartbeat');
    return true;
  }

  /** Whether an Echo's round trip on the host's stream could shorten its disconnect grace now. */
  wantsRoundTrip(hostId: string, sessionId: number): boolean {
    return this.isCurrentSession(hostId, sessionId) && this.disconnectGrace.wantsRoundTrip(hostId);
  }

  /** The connected hosts by the disconnect grace a broken stream would get now (/metrics). */
  disconnectGraceCounts(): Record<GraceKind, number> {
    return this.disconnectGrace.countConnected(this.clock.now(), (hostId) => this.attempts.get(hostId) ?? 0);
  }

  /** An Echo on the host's stream was answered in `ms`: a measure of how soon its agent is back. */
  roundTrip(hostId: string, sessionId: number, ms: number): void {
    if (this.isCurrentSession(hostId, sessionId)) this.disconnectGrace.roundTrip(hostId, ms);
  }

  /**
   * The stream's liveness now comes as datagrams (or no longer does): the detector reads
   * them with their own times before each sweep, so its own stalls are not forgiven to the
   * host (SilenceDetector.setExact).
   */
  livenessViaDatagrams(hostId: string, sessionId: number, on: boolean): void {
    if (this.isCurrentSession(hostId, sessionId)) this.detector.setExact(hostId, on);
  }

  /**
   * A liveness message: the agent is there. Memory only, nothing is stored: it comes every
   * second from every agent, and the next heartbeat stores `lastSeen`. `agentStallMs` is
   * the agent's own event-loop stall just before it; when the host was declared silent
   * meanwhile, the reason it comes back names the stall. `atMs`: when a datagram was taken
   * by the receiver thread (datagram-receiver.ts), earlier than now.
   */
  liveness(hostId: string, sessionId: number, agentStallMs: number, atMs?: number): void {
    if (!this.isCurrentSession(hostId, sessionId)) return;
    const host = this.hosts.get(hostId);
    if (!host) return;
    this.unconfirmed.delete(sessionId);
    this.disconnectGrace.message(hostId, atMs ?? this.clock.now());
    host.lastSeen = atMs === undefined ? this.clock.now() : Math.max(host.lastSeen ?? atMs, atMs);
    this.detector.liveness(hostId, atMs);
    if (host.state === 'online') return;
    // The agent cannot tell its own stall from the whole host being frozen (a paused VM):
    // both look like a timer firing late. The reason says what it saw, not which it was.
    const why = agentStallMs > 0 ? `liveness resumed after the agent's event loop stalled for ${agentStallMs} ms (the agent stuck, or the whole host frozen)` : 'liveness resumed';
    this.transition(host, host.state, 'online', why);
  }

  /**
   * Stores an agent event once (a replay after reconnect is recognised by its epoch and
   * sequence number) and calls `stored` with the newest stored sequence number of the
   * epoch, to be acked. A jump in the sequence is recorded as a gap, counted and logged once.
   *
   * When the store refuses it, the event is kept and written (then acked, then told to
   * subscribers) on catch-up, behind everything kept before it: acks are cumulative, so
   * events are stored in the order they came. Nothing is acked that is not stored; if the
   * coordinator stops first, the agent's journal still has the event and replays it.
   */
  agentEvent(hostId: string, sessionId: number, e: ValidAgentEvent, stored: (lastEventSeq: number) => void = () => {}): void {
    if (!this.isCurrentSession(hostId, sessionId) || this.sessionsMissingEvents.has(sessionId)) return;
    this.unconfirmed.delete(sessionId);
    const epoch = this.eventEpochs.get(hostId) ?? '';
    const receivedAt = this.clock.now();
    this.disconnectGrace.message(hostId, receivedAt);
    const write = () => {
      const { fresh, last, gap } = this.events.insertEvent(hostId, epoch, e, receivedAt);
      if (gap) {
        this.metrics.eventsLost?.('sequence');
        this.log.warn(
          { host: hostId, epoch, from: gap.fromSeq, to: gap.toSeq, arrived: e.eventSeq },
          `agent event sequence has a gap: event${gap.toSeq > gap.fromSeq ? `s ${gap.fromSeq}-${gap.toSeq}` : ` ${gap.fromSeq}`} never arrived`,
        );
      }
      if (fresh && e.type === 'event_lost') {
        this.metrics.eventsLost?.('agent');
        this.log.warn({ host: hostId, epoch, eventSeq: e.eventSeq, detail: e.detail }, 'agent reported an event lost from its journal');
      }
      if (fresh) this.publish({ type: 'agent_event', hostId, event: e });
      stored(last);
    };
    if (this.guard.persist(undefined, 'agent event', write) === 'dropped') {
      this.sessionsMissingEvents.add(sessionId);
      this.log.warn({ host: hostId, session: sessionId, eventSeq: e.eventSeq }, 'agent event neither stored nor kept (too many writes wait for the store); this stream takes no more events, the agent resends them on its next stream');
    }
  }

  /** The agent said Goodbye: a planned stop. */
  goodbye(hostId: string, sessionId: number, reason: string): void {
    this.sessionsMissingEvents.delete(sessionId);
    this.unconfirmed.delete(sessionId);
    if (!this.isCurrentSession(hostId, sessionId)) return;
    this.detachStream(hostId);
    this.cancelGrace(hostId);
    this.detector.unwatch(hostId);
    const host = this.hosts.get(hostId);
    if (host && host.state !== 'left') this.transition(host, host.state, 'left', reason ? `goodbye: ${reason}` : 'goodbye');
  }

  /**
   * A stream ended. Without Goodbye that is a crash or a cut: suspect now, silent after the
   * grace. Except for a host still waiting for its reconnect (after a restart, or adopted
   * from a coordinator that left) whose new
   * stream ended before its first heartbeat, liveness or event: an agent beats as soon as
   * it has the Welcome, so this one most likely never had it (it gave up waiting while the
   * coordinator worked through the reconnecting fleet) and retries. That is an attempt
   * that failed, not an outage: the host waits for its reconnect again, with what is left
   * of the restart grace (at least a detection window), as if the attempt had not been made.
   */
  streamClosed(hostId: string, sessionId: number, why: string): void {
    this.sessionsMissingEvents.delete(sessionId);
    const waitingSince = this.unconfirmed.get(sessionId);
    this.unconfirmed.delete(sessionId);
    if (!this.isCurrentSession(hostId, sessionId)) return;
    const grace = this.disconnectGrace.closed(hostId, this.clock.now(), this.attempts.get(hostId) ?? 0);
    this.detachStream(hostId);
    const host = this.hosts.get(hostId);
    if (waitingSince !== undefined && host && (host.state === 'online' || host.state === 'suspect')) {
      this.awaitReconnect(host, waitingSince);
      this.log.debug({ host: hostId, session: sessionId, why }, 'reconnect after the restart ended before its first heartbeat: an attempt that failed, the host waits for its reconnect again');
      return;
    }
    this.detector.unwatch(hostId);
    if (!host || host.state === 'left' || host.state === 'silent') return;
    if (host.state !== 'suspect') this.transition(host, host.state, 'suspect', `stream closed without goodbye: ${why}`);
    this.armGrace(hostId, this.clock.now() + grace.ms, `no reconnect within ${grace.ms} ms of the stream closing (${grace.why})`);
  }

  /**
   * suspect → silent at `dueAt` unless the host reconnected. A timer that fires late found
   * this thread standing still (a GC, a long write): a Hello may be waiting unread in a
   * socket, so the host gets as long again for this thread to read it before it is judged.
   */
  private armGrace(hostId: string, dueAt: number, reason: string, forgiven = false): void {
    this.cancelGrace(hostId);
    this.graceTimers.set(
      hostId,
      this.clock.setTimeout(
        () => {
          this.graceTimers.delete(hostId);
          const h = this.hosts.get(hostId);
          if (!h || h.state !== 'suspect' || this.sessions.has(hostId)) return;
          const lateMs = this.clock.now() - dueAt;
          if (!forgiven && lateMs >= GRACE_LATE_MS) {
            this.armGrace(hostId, this.clock.now() + lateMs, reason, true);
            return;
          }
          this.transition(h, 'suspect', 'silent', reason);
        },
        Math.max(0, dueAt - this.clock.now()),
      ),
    );
  }

  /** The detector's verdict: heartbeats stopped on a stream that is still open, or never came back. */
  onSilent(v: SilenceVerdict): void {
    const host = this.hosts.get(v.hostId);
    if (!host || host.state === 'silent' || host.state === 'left') return;
    if (this.reconnectPending(host)) return;
    this.transition(host, host.state, 'silent', `no heartbeat for ${Math.round(v.silentForMs)} ms (phi ${v.phi.toFixed(1)})`);
  }

  /** The host, if `remove` would take it. @throws VigilError NOT_FOUND or CONFLICT, as `remove` */
  assertRemovable(hostId: string): HostRecord {
    const host = this.hosts.get(hostId);
    if (!host) throw new VigilError('NOT_FOUND', `no host "${hostId}"`);
    if (this.sessions.has(hostId)) {
      throw new VigilError('CONFLICT', `host "${hostId}" has its agent connected (state ${host.state}); stop the agent (it says Goodbye and the host is left), then remove it`);
    }
    if (host.state === 'online' || host.state === 'suspect') {
      throw new VigilError('CONFLICT', `host "${hostId}" is ${host.state}; only a host that has left or gone silent can be removed`);
    }
    if (this.remote.has(hostId)) throw new VigilError('CONFLICT', `host "${hostId}" is held by another coordinator of the cluster; remove it there`);
    return host;
  }

  /**
   * Forgets a host that is gone for good (decommissioned, renamed): it leaves the fleet,
   * the store (its history with it) and the detector. Only a host whose agent is not
   * connected and that is `left` or `silent` may go: removing a live host would only make
   * it come back with its next Hello, and hide an outage.
   * @throws VigilError NOT_FOUND, or CONFLICT naming why the host must stay
   */
  remove(hostId: string, by: string): HostRecord {
    const host = this.assertRemovable(hostId);
    const at = this.clock.now();
    // Answered with 503 (StoreUnavailableError) while the store cannot write: the host stays.
    this.guard.run(`the host's removal`, () => (this.opts.removalSink ?? ((h: HostRecord) => this.store.remove(h.id)))(host, at, by));
    this.guard.forget(hostKey(hostId));
    this.storePacer.reset(hostId);
    this.cancelGrace(hostId);
    this.disconnectGrace.forget(hostId);
    this.detector.unwatch(hostId);
    this.awaitingReconnect.delete(hostId);
    this.hosts.delete(hostId);
    this.eventEpochs.delete(hostId);
    this.counts[host.state]--;
    this.publish({ type: 'removed', host, by });
    this.log.info({ host: hostId, state: host.state, by }, 'host removed');
    return host;
  }

  /** Cluster mode: another coordinator holds this host's stream now; stop judging it here. */
  release(hostId: string): void {
    this.remote.add(hostId);
    this.detachStream(hostId);
    this.awaitingReconnect.delete(hostId);
    this.cancelGrace(hostId);
    this.detector.unwatch(hostId);
  }

  /**
   * Cluster mode: this coordinator took over a host whose owner left. It gets the restart
   * grace to reconnect (here or anywhere) before it is judged, as after a restart.
   */
  adopt(hostId: string, info: { intervalMs: number; hostname: string; labels: Record<string, string> }): void {
    this.remote.delete(hostId);
    if (this.sessions.has(hostId)) return;
    let host = this.hosts.get(hostId);
    if (!host) {
      const now = this.clock.now();
      host = {
        id: hostId,
        state: 'online',
        stateSince: now,
        hostname: info.hostname,
        agentVersion: '',
        os: null,
        labels: info.labels,
        services: [],
        capabilities: [],
        intervalMs: info.intervalMs,
        address: info.labels['address'] ?? null,
        firstSeen: now,
        lastSeen: now,
        lastSeq: 0,
        agentStartedAt: null,
        latestSample: null,
        sampleAt: null,
        serviceStatus: [],
      };
      this.hosts.set(hostId, host);
      this.counts.online++;
      this.saveHost(hostId);
    }
    if (host.state === 'left' || host.state === 'silent') return;
    this.awaitReconnect(host, this.clock.now());
  }

  isRemote(hostId: string): boolean {
    return this.remote.has(hostId);
  }

  stop(): void {
    this.stopping = true;
    this.helloRows.flush();
    for (const t of this.graceTimers.values()) this.clock.clearTimeout(t);
    this.graceTimers.clear();
  }

  /** Writes a host's row from memory now, or keeps it for catch-up (once per host however often it changes). */
  private saveHost(hostId: string): void {
    this.guard.persist(hostKey(hostId), 'host row', () => this.writeHost(hostId));
  }

  /**
   * Rows of several hosts in one commit. While the store refuses writes and some are kept
   * for catch-up, or when this commit is refused, each row goes through `saveHost`: it is
   * written or kept, in order behind the ones kept before it.
   */
  private saveHosts(ids: string[]): void {
    this.saveTogether(ids, 'host rows', (hosts) => this.store.saveSnapshots(hosts));
  }

  /** `write` for all these hosts in one commit; else each whole row through `saveHost` (see saveHosts). */
  private saveTogether(ids: string[], what: string, write: (hosts: HostRecord[]) => void): void {
    const hosts = ids.flatMap((id) => this.hosts.get(id) ?? []);
    if (this.guard.pendingCount() === 0 && this.guard.attempt(what, () => write(hosts))) {
      for (const id of ids) this.storePacer.caughtUp(id);
      return;
    }
    for (const id of ids) this.saveHost(id);
  }

  private writeHost(hostId: string): void {
    const h = this.hosts.get(hostId);
    // Removed since: nothing to save.
    if (h) this.store.saveSnapshot(h);
    this.storePacer.caughtUp(hostId);
  }

  /**
   * Writes the row of every host whose latest heartbeats are in memory only (the store
   * pacer held them back), so a planned stop loses none of them. Returns how many.
   */
  storeHeldHeartbeats(): number {
    this.helloRows.flush();
    const ids = [...this.storePacer.hostsBehind()];
    // What the pacer held back is a heartbeat's fields only (a Hello's and a state change's
    // are written as they happen): those five columns, not the whole row, which made this
    // the largest part of a planned stop at 10,000 agents. While the store refuses writes,
    // the whole row, in order behind the rows already kept (saveHost).
    this.saveTogether(ids, 'held heartbeats', (hosts) =>
      // A host never heard has no heartbeat to hold.
      this.store.writeHeartbeats(hosts.flatMap((h) => (h.lastSeen === null ? [] : [{ hostId: h.id, seq: h.lastSeq, at: h.lastSeen, sampleAt: h.sampleAt, sample: h.latestSample, services: h.serviceStatus }]))),
    );
    return ids.length;
  }

  private cancelGrace(hostId: string): void {
    const t = this.graceTimers.get(hostId);
    if (t) this.clock.clearTimeout(t);
    this.graceTimers.delete(hostId);
  }

  private transition(host: HostRecord, from: HostState | null, to: HostState, reason: string): void {
    if (this.stopping) return;
    const at = this.clock.now();
    if (from !== null) this.counts[from]--;
    this.counts[to]++;
    host.state = to;
    host.stateSince = at;
    const t: Transition = { hostId: host.id, from, to, reason, at };
    // The host as it was at this change: a kept write runs later, when memory has moved on.
    const snapshot = { ...host };
    this.guard.persist(undefined, 'host transition', () => this.sink(t, snapshot));
    // The last heartbeats before an outage or a Goodbye are worth keeping across a restart.
    if (to !== 'online' && this.storePacer.isBehind(host.id)) this.saveHost(host.id);
    this.metrics.transition(from, to);
    this.publish({ type: 'transition', transition: t, host });
    this.log.info({ host: host.id, from, to, reason }, 'host state changed');
  }
}

function hostKey(hostId: string): string {
  return `host:${hostId}`;
}
