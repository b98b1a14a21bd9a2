import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { z } from 'zod';
import {
  AGENT_EVENT_LIMITS,
  agentEventSchema,
  capText,
  ECHO_CAPABILITY,
  echoReplySchema,
  goodbyeSchema,
  heartbeatSchema,
  helloSchema,
  isUndecodable,
  LIVENESS_DATAGRAM_CAPABILITY,
  livenessStallMs,
  RETRY_PUSHBACK_KEY,
  probeResultSchema,
  requestResultSchema,
  ERROR_CODES,
  SessionSupersededError,
  type ErrorCode,
  summariseIssues,
  type AgentMessage,
  type CoordinatorMessageIn,
  type Logger,
  type ValidAgentEvent,
} from '@vigil/shared';
import type { HostRegistry } from '../registry/host-registry.js';
import { isStoreCondition } from '../store/write-guard.js';
import type { AgentChannels, AnswerOutcome } from './agent-channels.js';
import type { HelloAdmissionResult } from './hello-admission.js';
import type { LivenessGrantFn } from './liveness-regrant.js';
import type { LivenessDatagramSource } from '../liveness/datagram-receiver.js';
import type { UnheardLog } from '../liveness/unheard-log.js';
import { StreamDatagrams } from '../liveness/stream-datagrams.js';
import { certificateHostNames, certificateNamesHost } from './peer-identity.js';
import { StreamEcho } from './stream-echo.js';

export type AgentCall = grpc.ServerDuplexStream<AgentMessage, CoordinatorMessageIn>;

export interface SessionContext {
  registry: HostRegistry;
  channels: AgentChannels;
  coordinatorId: string;
  /** A stream that sends no Hello within this is ended, so it cannot hold memory forever. */
  helloTimeoutMs: number;
  requireCertificate: boolean;
  clampInterval: (ms: number) => number;
  /** The liveness period granted for an ask, the agreed heartbeat interval and the way liveness comes; 0 for none. */
  grantLiveness: LivenessGrantFn;
  /** Where agents may send liveness as UDP datagrams; absent: on their streams only. */
  datagrams?: LivenessDatagramSource;
  /** The first Echo of a stream whose agent takes them goes this long after its Welcome (stream-echo.ts); 0: none. */
  echoAfterMs: number;
  /** Where streams whose datagrams went unheard are logged (rate-limited). */
  unheard?: UnheardLog;
  /** Whether a valid Hello is taken now or sent away to retry later (hello-admission.ts). Absent: always taken. */
  admitHello?: () => HelloAdmissionResult;
  log: Logger;
  metrics: SessionMetrics;
  /** Ends another session of the same host, when a newer one replaces it. */
  supersede: (sessionId: number) => void;
  register: (sessionId: number, session: AgentSession) => void;
  unregister: (sessionId: number) => void;
}

export interface SessionMetrics {
  heartbeat(): void;
  rejected(reason: string): void;
}

/** An agent whose Hello lists this takes a LivenessGrant on its stream (docs/contract.md). */
export const LIVENESS_GRANT_CAPABILITY = 'liveness_grant';

/** What this coordinator understands, announced in Welcome (see docs/contract.md). */
export const COORDINATOR_CAPABILITIES = ['heartbeat.v1', 'events.v1', 'probes.v1', 'recover.v1', 'liveness.v1'];


let nextSessionId = 1;

/** `127.0.0.1:5000`, `[::1]:5000`, `ipv4:10.0.0.2:5000` → the address alone. */
export function peerAddress(peer: string): string | null {
  const p = peer.replace(/^ipv[46]:/, '');
  const v6 = /^\[([^\]]+)\]:\d+$/.exec(p);
  if (v6) return v6[1]!.replace(/^::ffff:/, '');
  const v4 = /^([^:]+):\d+$/.exec(p);
  return v4 ? v4[1]! : null;
}

/**
 * One agent's stream: Hello first, then heartbeats acked by sequence number, ended by
 * Goodbye or by the connection going away. Every message is validated here, at the edge;
 * a bad one ends this stream with INVALID_ARGUMENT and touches nothing else, except a bad
 * event, which is refused alone (see onBadEvent).
 */
export class AgentSession {
  readonly id = nextSessionId++;
  private hostId: string | undefined;
  private finished = false;
  private saidGoodbye = false;
  private congested = false;
  private pendingAck = 0;
  private warnedOtherHost = false;
  private warnedLiveness = false;
  /** The last agent stall logged (noteAgentStall). */
  private lastStallLogged = 0;
  private helloTimer: NodeJS.Timeout | undefined;
  /** What the Hello asked and what is in force, for re-grants when the fleet changes (liveness-regrant.ts). */
  private liveness: { askedMs: number; intervalMs: number; grantedMs: number; regrantable: boolean } | undefined;
  /** This stream's liveness datagrams, when its Welcome offered a slot. */
  private datagram: StreamDatagrams | undefined;
  /** This stream's Echoes, when its agent answers them. */
  private echo: StreamEcho | undefined;
  private warnedEcho = false;

  constructor(
    private readonly call: AgentCall,
    private readonly ctx: SessionContext,
  ) {
    ctx.register(this.id, this);
    this.helloTimer = setTimeout(
      () => this.refuse('DEADLINE_EXCEEDED', 'hello_timeout', `no hello within ${ctx.helloTimeoutMs} ms of opening the stream`),
      ctx.helloTimeoutMs,
    );
    this.helloTimer.unref();
    call.on('data', (m: unknown) => this.onMessage(m));
    call.on('end', () => this.onClosed('agent closed the stream'));
    call.on('error', (err: Error) => this.onClosed(`stream error: ${err.message}`));
    call.on('cancelled', () => this.onClosed('connection lost'));
    call.on('close', () => this.onClosed('connection closed'));
    call.on('drain', () => {
      this.congested = false;
      if (this.pendingAck > 0) this.sendAck(this.pendingAck);
    });
  }

  private onMessage(raw: unknown): void {
    if (this.finished) return;
    if (isUndecodable(raw)) {
      if (raw.undecodable === 'too_large') this.refuse('MESSAGE_TOO_LARGE', 'message_too_large', raw.detail);
      else this.refuse('MESSAGE_INVALID', 'message_malformed', raw.detail);
      return;
    }
    const msg = raw as AgentMessage;
    switch (msg.body) {
      case 'hello':
        return this.onHello(msg.hello);
      case 'heartbeat':
        return this.onHeartbeat(msg.heartbeat);
      case 'liveness':
        return this.onLiveness(msg.liveness);
      case 'goodbye':
        return this.onGoodbye(msg.goodbye);
      case 'event':
        return this.onEvent(msg.event);
      case 'probeResult':
        return this.onAnswer(msg.probeResult, probeResultSchema, 'probe_result', (h, r) => this.ctx.channels.probeAnswered(h, r));
      case 'requestResult':
        return this.onAnswer(msg.requestResult, requestResultSchema, 'request_result', (h, r) => this.ctx.channels.requestAnswered(h, r));
      case 'echoReply':
        return this.onEchoReply(msg.echoReply);
      case undefined:
        return this.refuse('MESSAGE_INVALID', 'message_empty', 'message has no body (expected hello, heartbeat or goodbye)');
      default: {
        const never: never = msg.body;
        return this.refuse('MESSAGE_INVALID', 'message_unknown', `unknown message body ${String(never)}`);
      }
    }
  }

  private onHello(raw: unknown): void {
    // The agent gave up waiting (its Welcome timeout) before we got to it: registering it
    // now would only add a transition to undo.
    if (this.call.cancelled) return;
    if (this.hostId) return this.refuse('PROTOCOL_VIOLATION', 'hello_repeated', 'hello sent twice on one stream');
    const parsed = helloSchema.safeParse(raw);
    if (!parsed.success) {
      return this.refuse('MESSAGE_INVALID', 'hello_invalid', `invalid hello: ${summariseIssues(parsed.error, raw, 'hello')}`);
    }
    const hello = parsed.data;
    if (this.ctx.requireCertificate) {
      const cert = this.call.getAuthContext()?.sslPeerCertificate as PeerCertificate | undefined;
      if (!certificateNamesHost(cert, hello.hostId)) {
        const names = certificateHostNames(cert);
        return this.refuse(
          'PERMISSION_DENIED',
          'identity_mismatch',
          `hello.hostId "${hello.hostId}" is not named by the client certificate (it names ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'no host'})`,
        );
      }
    }
    const admission = this.ctx.admitHello?.();
    if (admission?.type === 'shed') return this.shed(admission.retryAfterMs);
    const intervalMs = this.ctx.clampInterval(hello.intervalMs);
    // Datagrams need the LivenessGrant that tells the agent they are heard.
    const regrantable = hello.capabilities.includes(LIVENESS_GRANT_CAPABILITY);
    const slot = regrantable && hello.capabilities.includes(LIVENESS_DATAGRAM_CAPABILITY) && (hello.livenessIntervalMs ?? 0) > 0 ? this.ctx.datagrams?.open((at, stall) => this.onDatagram(at, stall)) : undefined;
    // Given back by finish() on every way this stream ends from here on.
    if (slot) this.datagram = new StreamDatagrams(slot.slot, Date.now());
    const livenessIntervalMs = this.ctx.grantLiveness(hello.livenessIntervalMs ?? 0, intervalMs, slot !== undefined);
    const outcome = this.ctx.registry.hello(hello, intervalMs, this.id, peerAddress(this.call.getPeer()), livenessIntervalMs);
    // A second agent for a host whose stream is alive: refused, so it cannot take the
    // stream from the first (and then have it taken back, forever). It retries with backoff.
    if (outcome.type === 'refused') return this.refuse('CONFLICT', 'host_already_connected', outcome.message);
    // Nobody waits on this stream any more; the status is for the record.
    if (outcome.type === 'stale') return this.refuse('SUPERSEDED', 'hello_stale', outcome.message);
    const { lastSeq, lastEventSeq, replaced } = outcome;
    this.hostId = hello.hostId;
    clearTimeout(this.helloTimer);
    if (replaced !== undefined) this.ctx.supersede(replaced);
    this.ctx.channels.attach(hello.hostId, this.writer);
    this.ctx.log.info({ host: hello.hostId, session: this.id, peer: this.call.getPeer(), intervalMs, version: hello.agentVersion }, 'agent connected');
    this.liveness = { askedMs: hello.livenessIntervalMs ?? 0, intervalMs, grantedMs: livenessIntervalMs, regrantable };
    if (this.ctx.echoAfterMs > 0 && hello.capabilities.includes(ECHO_CAPABILITY)) this.echo = new StreamEcho(Date.now(), this.ctx.echoAfterMs);
    if (slot && livenessIntervalMs <= 0) {
      this.ctx.datagrams?.close(slot.slot);
      this.datagram = undefined;
    }
    const viaDatagrams = slot && livenessIntervalMs > 0 ? { livenessDatagramPort: this.ctx.datagrams!.port, livenessDatagramKey: slot.key, livenessDatagramSlot: slot.slot } : {};
    this.write({ welcome: { coordinatorId: this.ctx.coordinatorId, intervalMs, lastSeq, lastEventSeq, capabilities: COORDINATOR_CAPABILITIES, livenessIntervalMs, ...viaDatagrams } });
  }

  /**
   * The liveness period this stream should have now, by `grant` (the fleet's size as it is
   * now), or undefined when it cannot be changed (no Hello yet, or an agent without the
   * `liveness_grant` capability) or should not be (within `tolerance` of the current one).
   */
  livenessRegrant(grant: LivenessGrantFn, tolerance: number): number | undefined {
    const l = this.liveness;
    if (this.finished || !this.hostId || !l?.regrantable || l.askedMs <= 0) return undefined;
    // Pending: it keeps the datagram budget it was granted until its datagrams are heard or
    // its heartbeats show they are not (checkDatagrams), not downgraded in between.
    const d = this.datagram;
    if (d?.kind === 'pending') return undefined;
    const target = grant(l.askedMs, l.intervalMs, d?.kind === 'heard');
    if (target === l.grantedMs) return undefined;
    if (target > 0 && l.grantedMs > 0 && Math.abs(target - l.grantedMs) < l.grantedMs * tolerance) return undefined;
    return target;
  }

  /** Sends a new liveness period and has the detector judge the host by it from now on. */
  regrantLiveness(periodMs: number): void {
    const l = this.liveness;
    const hostId = this.hostId;
    if (!l || !hostId || this.finished) return;
    if (!this.ctx.registry.livenessPeriodChanged(hostId, this.id, periodMs)) return;
    l.grantedMs = periodMs;
    this.write({ livenessGrant: { livenessIntervalMs: periodMs, datagramsHeard: this.datagram?.kind === 'heard' } });
  }

  /**
   * A liveness datagram of this stream, taken by the receiver thread at `atMs`. The first
   * one (or the first after they went unheard) tells the agent they are heard, so it stops
   * sending Liveness messages, at the period the datagram budget allows now.
   */
  private onDatagram(atMs: number, agentStallMs: number): void {
    const hostId = this.hostId;
    const d = this.datagram;
    if (this.finished || !hostId || !d) return;
    this.noteAgentStall(hostId, agentStallMs);
    this.ctx.registry.liveness(hostId, this.id, agentStallMs, atMs);
    if (!d.arrived(atMs)) return;
    this.ctx.registry.livenessViaDatagrams(hostId, this.id, true);
    const l = this.liveness;
    if (!l || l.grantedMs <= 0) return;
    const periodMs = this.ctx.grantLiveness(l.askedMs, l.intervalMs, true);
    if (periodMs > 0 && periodMs !== l.grantedMs) return this.regrantLiveness(periodMs);
    this.write({ livenessGrant: { livenessIntervalMs: l.grantedMs, datagramsHeard: true } });
  }

  /** The receiver thread is gone: liveness goes on the stream again, at once. */
  datagramsLost(): void {
    const hostId = this.hostId;
    if (this.finished || !hostId || !this.liveness || this.liveness.grantedMs <= 0) return;
    const was = this.datagram?.lost();
    if (was) this.backToStream(hostId, was);
  }

  /**
   * On each heartbeat: datagrams offered but none heard since a detection window and a
   * second (UDP filtered from the start), or heard and then none for a detection window
   * where the stream works (a firewall changed): the agent is told to send Liveness
   * messages, by the message budget. The second case was declared silent meanwhile; a
   * stream alone cannot tell a host that stopped from a path that stopped carrying UDP.
   */
  private checkDatagrams(hostId: string): void {
    const d = this.datagram;
    const l = this.liveness;
    if (!d || !l) return;
    // The board's newest, not only what the last poll passed on: a heartbeat read after a
    // stall can come before the sweep that polls the datagrams taken meanwhile.
    const unheard = d.checkHeard(Date.now(), l.grantedMs, () => this.ctx.datagrams?.lastArrivalAt(d.slot) ?? 0);
    if (!unheard) return;
    const periodMs = this.backToStream(hostId, unheard.was);
    this.ctx.metrics.rejected('liveness_datagrams_unheard');
    this.ctx.unheard?.report(hostId, unheard.was, unheard.quietMs, periodMs);
  }

  /**
   * The stream's datagrams are no longer heard: the detector stops taking the board's
   * times for the host, and the agent gets the message budget's period with a grant saying
   * so. A pending agent sends Liveness messages already: it gets a grant only for a new
   * period. Returns the period.
   */
  private backToStream(hostId: string, was: 'pending' | 'heard'): number {
    const l = this.liveness!;
    this.ctx.registry.livenessViaDatagrams(hostId, this.id, false);
    const periodMs = this.ctx.grantLiveness(l.askedMs, l.intervalMs, false);
    if (was === 'heard' || periodMs !== l.grantedMs) this.regrantLiveness(periodMs);
    return periodMs;
  }

  private onHeartbeat(raw: unknown): void {
    const hostId = this.hostId;
    if (!hostId) return this.refuse('PROTOCOL_VIOLATION', 'hello_missing', 'heartbeat before hello');
    const parsed = heartbeatSchema.safeParse(raw);
    if (!parsed.success) {
      return this.refuse('MESSAGE_INVALID', 'heartbeat_invalid', `invalid heartbeat: ${summariseIssues(parsed.error, raw, 'heartbeat')}`);
    }
    this.ctx.metrics.heartbeat();
    this.checkDatagrams(hostId);
    const seq = parsed.data.seq;
    this.ctx.registry.heartbeat(hostId, this.id, parsed.data, (err, stored) => {
      if (err) {
        // A full disk is logged once per episode by the store guard, not once per heartbeat.
        if (isStoreCondition(err)) this.ctx.log.debug({ host: hostId, err: err.message }, 'heartbeat not stored; not acked');
        else if (!(err instanceof SessionSupersededError)) this.ctx.log.error({ host: hostId, err: err.message }, 'storing heartbeat failed; not acked');
        return;
      }
      // Held in memory only (the store pacer): the next stored heartbeat's ack covers it.
      if (stored) this.sendAck(seq);
    });
  }

  /**
   * The most frequent message, so the cheapest path: no schema, no store, no ack. A bad one
   * is counted and ignored (logged once per stream), never the end of a stream that also
   * carries good heartbeats.
   */
  private onLiveness(raw: unknown): void {
    const hostId = this.hostId;
    if (!hostId) return this.refuse('PROTOCOL_VIOLATION', 'hello_missing', 'liveness before hello');
    const stall = livenessStallMs(raw);
    if (typeof stall === 'string') {
      this.ctx.metrics.rejected('liveness_invalid');
      if (!this.warnedLiveness) this.ctx.log.warn({ session: this.id, host: hostId, problem: stall }, 'ignored an invalid liveness message');
      this.warnedLiveness = true;
      return;
    }
    this.noteAgentStall(hostId, stall);
    this.ctx.registry.liveness(hostId, this.id, stall);
  }

  /**
   * Sends an Echo when this stream may (stream-echo.ts) and its host would otherwise keep
   * the configured disconnect grace (round-trip-probes.ts); true when it did. Not onto a
   * backed-up stream: the round trip would time the backlog.
   */
  echoIfDue(nowMs: number): boolean {
    const e = this.echo;
    const hostId = this.hostId;
    if (!e || !hostId || this.finished || this.congested || !e.due(nowMs)) return false;
    if (!this.ctx.registry.wantsRoundTrip(hostId, this.id)) return false;
    this.write({ echo: { nonce: e.send(nowMs) } });
    return true;
  }

  /**
   * An Echo's answer: the host's round trip. A reply to no Echo out (a late one, replaced
   * by the next) is ignored; a malformed one is counted and ignored, logged once per stream.
   */
  private onEchoReply(raw: unknown): void {
    const hostId = this.hostId;
    if (!hostId) return this.refuse('PROTOCOL_VIOLATION', 'hello_missing', 'echo_reply before hello');
    const parsed = echoReplySchema.safeParse(raw);
    if (!parsed.success) {
      this.ctx.metrics.rejected('echo_reply_invalid');
      if (!this.warnedEcho) this.ctx.log.warn({ session: this.id, host: hostId, problem: summariseIssues(parsed.error, raw, 'echoReply') }, 'ignored an invalid echo reply');
      this.warnedEcho = true;
      return;
    }
    const ms = this.echo?.answered(parsed.data.nonce, Date.now());
    if (ms !== undefined) this.ctx.registry.roundTrip(hostId, this.id, ms);
  }

  /**
   * Logs a long stall the agent reports, once: an agent sends a stall's liveness both as a
   * datagram and on the stream, and the two carry the same figure.
   */
  private noteAgentStall(hostId: string, agentStallMs: number): void {
    if (agentStallMs < 1000 || agentStallMs === this.lastStallLogged) return;
    this.lastStallLogged = agentStallMs;
    this.ctx.log.info({ host: hostId, agentStallMs }, 'agent reports its own event loop stalled');
  }

  private onEvent(raw: unknown): void {
    const hostId = this.hostId;
    if (!hostId) return this.refuse('PROTOCOL_VIOLATION', 'hello_missing', 'event before hello');
    const parsed = agentEventSchema.safeParse(raw);
    if (!parsed.success) return this.onBadEvent(hostId, raw, `invalid event: ${summariseIssues(parsed.error, raw, 'event')}`);
    this.storeEvent(hostId, parsed.data);
  }

  /** Acked once stored, which is later than now while the store cannot write (see HostRegistry.agentEvent). */
  private storeEvent(hostId: string, e: ValidAgentEvent): void {
    this.ctx.registry.agentEvent(hostId, this.id, e, (stored) => this.write({ eventAck: { eventSeq: stored } }));
  }

  /**
   * One event the contract refuses is the agent's bug, not the host's outage: ending the
   * stream would have the agent replay it first on every reconnect and the host flap to
   * silent. It is counted and logged, and a marker stored under its sequence number is
   * acked like any event, so the agent moves past it. Without a usable sequence number
   * there is nothing to ack; the event is dropped and the stream goes on.
   */
  private onBadEvent(hostId: string, raw: unknown, problem: string): void {
    this.ctx.metrics.rejected('event_invalid');
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const seq = r.eventSeq;
    const usable = typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1;
    this.ctx.log.warn({ host: hostId, session: this.id, eventSeq: usable ? seq : String(seq), problem }, usable ? 'refused one agent event; stored a marker in its place' : 'refused one agent event without a usable sequence number; dropped');
    if (!usable) return;
    const atMs = typeof r.atMs === 'number' && Number.isFinite(r.atMs) && r.atMs >= 0 ? r.atMs : Date.now();
    const service = typeof r.service === 'string' ? capText(r.service, AGENT_EVENT_LIMITS.service) : '';
    this.storeEvent(hostId, { eventSeq: seq, atMs, service, type: 'event_refused', step: '', detail: capText(problem, AGENT_EVENT_LIMITS.detail), cause: '', requestId: '' });
  }

  private onAnswer<T extends { requestId: string }>(raw: unknown, schema: z.ZodType<T>, what: string, deliver: (hostId: string, r: T) => AnswerOutcome): void {
    const hostId = this.hostId;
    if (!hostId) return this.refuse('PROTOCOL_VIOLATION', 'hello_missing', `${what} before hello`);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      return this.refuse('MESSAGE_INVALID', `${what}_invalid`, `invalid ${what}: ${summariseIssues(parsed.error, raw, what)}`);
    }
    if (deliver(hostId, parsed.data) !== 'other_host') return;
    // Ignored, not refused: the stream stays up. Counted each time, logged once per
    // stream so a misbehaving agent cannot flood the log.
    this.ctx.metrics.rejected(`${what}_other_host`);
    if (this.warnedOtherHost) return;
    this.warnedOtherHost = true;
    this.ctx.log.warn({ session: this.id, host: hostId, peer: this.call.getPeer(), requestId: parsed.data.requestId }, `ignored ${what} for a request sent to another host`);
  }

  private onGoodbye(raw: unknown): void {
    const hostId = this.hostId;
    if (!hostId) return this.refuse('PROTOCOL_VIOLATION', 'hello_missing', 'goodbye before hello');
    const parsed = goodbyeSchema.safeParse(raw);
    const reason = parsed.success ? parsed.data.reason : '';
    this.saidGoodbye = true;
    this.ctx.registry.goodbye(hostId, this.id, reason);
    this.ctx.log.info({ host: hostId, session: this.id, reason }, 'agent said goodbye');
    this.finish();
    this.call.end();
  }

  /** Acks are cumulative: under write pressure only the newest one is kept and sent on drain. */
  private sendAck(seq: number): void {
    if (this.finished) return;
    if (this.congested) {
      this.pendingAck = Math.max(this.pendingAck, seq);
      return;
    }
    this.pendingAck = 0;
    this.write({ ack: { seq } });
  }

  /** Bound once, so the channel table can tell this session's writer from a newer one's. */
  private readonly writer = (m: CoordinatorMessageIn): boolean => {
    this.write(m);
    return !this.finished;
  };

  private write(m: CoordinatorMessageIn): void {
    if (this.finished) return;
    try {
      if (!this.call.write(m)) this.congested = true;
    } catch (err) {
      this.onClosed(`write failed: ${(err as Error).message}`);
    }
  }

  /**
   * Ends this stream with the gRPC status of the error code (one catalogue for both edges,
   * `shared/src/errors.ts`) and tells the log why; other streams are untouched.
   */
  refuse(code: ErrorCode, reason: string, details: string): void {
    if (this.finished) return;
    this.ctx.log.warn({ session: this.id, host: this.hostId, peer: this.call.getPeer(), reason, code, details }, 'refused agent stream');
    this.close(code, reason, details);
  }

  /**
   * The coordinator is stopping: ends this stream with UNAVAILABLE, so its agent reconnects.
   * Not logged per stream: a planned stop of a coordinator with 10,000 agents would write
   * 10,000 warnings about nothing wrong; the server logs one line for all of them.
   */
  endForStop(): void {
    if (this.finished) return;
    this.close('UNAVAILABLE', 'coordinator_stopping', 'coordinator is shutting down');
  }

  private close(code: ErrorCode, reason: string, details: string): void {
    this.ctx.metrics.rejected(reason);
    const hostId = this.hostId;
    this.finish();
    if (hostId) this.ctx.registry.streamClosed(hostId, this.id, `refused: ${reason}`);
    this.end(code, details);
  }

  /**
   * A Hello over the admission bound: RESOURCE_EXHAUSTED with gRPC's standard retry hint,
   * before the host is registered. Counted, logged at debug only: in a storm there are
   * thousands, and each is the bound working, not a fault.
   */
  private shed(retryAfterMs: number): void {
    this.finish();
    this.ctx.metrics.rejected('hello_shed');
    this.ctx.log.debug({ session: this.id, retryAfterMs }, 'hello shed: over the admission bound');
    const metadata = new grpc.Metadata();
    metadata.set(RETRY_PUSHBACK_KEY, String(retryAfterMs));
    this.end('OVERLOADED', `coordinator busy admitting other agents; retry in ${retryAfterMs} ms`, metadata);
  }

  /** The same agent reconnected, or a new one replaced a dead stream: end this one without touching the host's state. */
  supersede(): void {
    if (this.finished) return;
    this.finish();
    this.ctx.log.warn({ session: this.id, host: this.hostId }, 'stream replaced by a newer stream for the same host');
    // ABORTED (SUPERSEDED), not ALREADY_EXISTS (CONFLICT): that means "refused, another agent holds the stream".
    this.end('SUPERSEDED', 'superseded by a newer stream for the same host');
  }

  /**
   * Ends the stream with a status. Only the code and the words cross the wire, so no Error is
   * made: capturing a stack for each of 10,000 streams ended at a stop, or each Hello shed in
   * a reconnect storm, was a visible part of both.
   */
  private end(code: ErrorCode, details: string, metadata = new grpc.Metadata()): void {
    this.call.emit('error', { code: ERROR_CODES[code].grpc, details, metadata } as grpc.ServiceError);
  }

  private onClosed(why: string): void {
    if (this.finished) return;
    const hostId = this.hostId;
    this.finish();
    if (hostId && !this.saidGoodbye) this.ctx.registry.streamClosed(hostId, this.id, why);
    try {
      this.call.end();
    } catch {
      // already closed by the transport
    }
  }

  private finish(): void {
    this.finished = true;
    if (this.datagram) this.ctx.datagrams?.close(this.datagram.slot);
    this.datagram = undefined;
    clearTimeout(this.helloTimer);
    this.ctx.unregister(this.id);
    if (this.hostId) this.ctx.channels.detach(this.hostId, this.writer);
  }
}
