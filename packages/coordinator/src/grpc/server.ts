import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { guardedAgentService, systemClock, type Logger, type TlsFiles } from '@vigil/shared';
import { loadProtoWithLoader } from '@vigil/shared/proto-loader';
import type { HostRegistry } from '../registry/host-registry.js';
import { AgentChannels } from './agent-channels.js';
import { AgentSession, type AgentCall, type SessionMetrics } from './agent-session.js';
import { fanOutAccepts } from './accept-fanout.js';
import { bindAgentListener, LISTEN_BACKLOG, type AgentListener } from './agent-listener.js';
import { HelloAdmission } from './hello-admission.js';
import { LoopLag } from './loop-lag.js';
import { DEFAULT_ROUND_TRIP_PROBE_OPTIONS, RoundTripProbes } from './round-trip-probes.js';
import { ECHO_SCHEDULE } from './stream-echo.js';
import { PeerConnectionGate } from './peer-connection-gate.js';
import { handOnIfOpen } from './queued-connection.js';
import { DEFAULT_REGRANT_OPTIONS, LivenessRegrant } from './liveness-regrant.js';
import { LivenessDatagrams } from '../liveness/datagram-receiver.js';
import { UnheardLog } from '../liveness/unheard-log.js';

export interface AgentServerOptions {
  host: string;
  port: number;
  /** The agents' listener, bound already (the coordinator binds it as it starts); else bound here on host and port. */
  listener?: AgentListener;
  tls: TlsFiles;
  coordinatorId: string;
  maxMessageBytes: number;
  /** A stream without Hello after this long is ended. */
  helloTimeoutMs: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Shortest liveness period granted; 0 grants none (agents are judged by their heartbeats). */
  minLivenessMs: number;
  /** Liveness messages a second the coordinator takes from the whole fleet; 0 for no bound. */
  maxLivenessRate: number;
  /** Take liveness as UDP datagrams from agents that can send them (datagram-receiver.ts). @default false */
  livenessDatagrams?: boolean;
  /** The liveness budget for agents whose liveness comes as datagrams; 0 for no bound. */
  maxLivenessDatagramRate?: number;
  /** How often streams' liveness periods are fitted to the fleet's size (liveness-regrant.ts). @default 10000 */
  livenessRegrantMs?: number;
  /** The first Echo of a stream whose connect was slow goes this long after its Welcome (round-trip-probes.ts); 0: none. @default 30000 */
  echoAfterMs?: number;
  /** Connections taken at once from one peer address (0: any number). Loopback is not limited unless `limitLoopback`. */
  maxConnectionsPerPeer: number;
  /** Count loopback peers too (tests). @default false */
  limitLoopback?: boolean;
  /** Hellos admitted per second (0: no bound); those over it are answered RESOURCE_EXHAUSTED with a retry hint. */
  maxHelloRate: number;
  /** Hellos admitted at once above the rate. */
  helloBurst: number;
  /** Every Hello is sent away while the event loop lags more than this (0: never). */
  helloMaxLoopLagMs: number;
}

export interface AgentServer {
  readonly port: number;
  readonly channels: AgentChannels;
  /** The liveness datagram receiver, when datagrams are taken; the detector polls it before each sweep. */
  readonly datagrams: LivenessDatagrams | undefined;
  sessions(): number;
  /** The latest moment an agent sent away by Hello admission was told to come back. */
  returnsDueBy(): number;
  /**
   * Stops accepting and ends every stream before it returns (agents will reconnect
   * elsewhere or later); resolves once their connections are closed, at most ~2 s later.
   */
  stop(): Promise<void>;
}

/**
 * An agent holds one stream per connection (a reconnect may briefly overlap the old one),
 * so a few are plenty; more is a client opening streams to hold memory. HTTP/2 refuses
 * the streams above the limit (REFUSED_STREAM) before any of our code runs.
 */
export const MAX_STREAMS_PER_CONNECTION = 8;
/** A connection with no stream open this long is closed (an agent always has one open). */
export const CONNECTION_IDLE_MS = 30_000;

/** Granted periods are whole steps of this, so a fleet's agents share a few periods. */
const LIVENESS_STEP_MS = 250;

/**
 * The liveness period for an agent's ask: none when it asks for none, when this
 * coordinator grants none (`minLivenessMs` 0), or when the period would be no shorter
 * than the heartbeat interval (the heartbeats already say as much). Otherwise the ask,
 * raised to the shortest period granted and to what the fleet's budget allows: with
 * `fleet` hosts known and `maxRate` messages a second, no period shorter than fleet/maxRate
 * seconds. Each liveness message costs the coordinator about 30 µs (bench/liveness), so a
 * large fleet trades detection time for the CPU its heartbeats and verdicts need.
 */
export function grantLiveness(askedMs: number, intervalMs: number, minLivenessMs: number, fleet = 0, maxRate = 0): number {
  if (askedMs <= 0 || minLivenessMs <= 0) return 0;
  const budgetMs = maxRate > 0 ? Math.ceil((fleet * 1000) / maxRate / LIVENESS_STEP_MS) * LIVENESS_STEP_MS : 0;
  const granted = Math.max(askedMs, minLivenessMs, budgetMs);
  return granted < intervalMs ? granted : 0;
}

export function serverCredentials(tls: TlsFiles): grpc.ServerCredentials {
  if (!tls.ca || !tls.cert || !tls.key) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(readFileSync(tls.ca), [{ cert_chain: readFileSync(tls.cert), private_key: readFileSync(tls.key) }], true);
}

/**
 * Descriptors watching the agents' listening socket: a loop turn takes one connection per
 * descriptor (accept-fanout.ts). Eight took a fleet-wide reconnect at 7 connections a turn
 * where one took 1.
 */
export const ACCEPT_DESCRIPTORS = 8;

/**
 * The liveness datagram receiver, or undefined when it cannot start (logged): liveness then
 * comes on the streams, as from agents that send no datagrams. If its thread ends later,
 * every stream is told to send its liveness on the stream.
 */
async function startDatagrams(host: string, ports: number[], log: Logger, live: Map<number, AgentSession>): Promise<LivenessDatagrams | undefined> {
  try {
    const d = await LivenessDatagrams.start(host, ports, log);
    d.onLost = () => {
      for (const s of live.values()) s.datagramsLost();
    };
    return d;
  } catch (err) {
    log.error({ err: (err as Error).message }, 'liveness datagrams are off: the receiver did not start; agents send their liveness on their streams');
    return undefined;
  }
}

/** `channels` is made by the caller when other parts need it before the server listens. */
export async function startAgentServer(opts: AgentServerOptions, registry: HostRegistry, log: Logger, metrics: SessionMetrics, channels = new AgentChannels()): Promise<AgentServer> {
  const server = new grpc.Server({
    // Our own guard refuses what exceeds maxMessageBytes with INVALID_ARGUMENT; grpc's hard
    // limit sits above it only to bound memory against something far larger.
    'grpc.max_receive_message_length': opts.maxMessageBytes * 4,
    // Agents ping us every 10 s already; our own pings only need to find half-open
    // connections, and at 10,000 agents every 10 s they cost 1,000 pings a second.
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.max_concurrent_streams': MAX_STREAMS_PER_CONNECTION,
    'grpc.max_connection_idle_ms': CONNECTION_IDLE_MS,
    // Channelz (grpc's introspection registry) is read by nothing here, yet on by default it
    // keeps a socket entry, two trackers and four closures per agent connection and stamps
    // every message received with Date.now(): about 1 KB and a clock read per liveness
    // message that no one asks for.
    'grpc.enable_channelz': 0,
  });
  const live = new Map<number, AgentSession>();
  const rateFor = (viaDatagrams: boolean) => (viaDatagrams ? (opts.maxLivenessDatagramRate ?? 0) : opts.maxLivenessRate);
  const agentListener = opts.listener ?? (await bindAgentListener(opts));
  const port = agentListener.port;
  // Before any connection is served, so that a fleet reconnecting the moment the listener
  // opens (a restart) is offered datagrams from its first Hello.
  const datagrams = opts.livenessDatagrams ? await startDatagrams(opts.host, [port, 0], log, live) : undefined;
  // Hello admission and the round-trip probes both read it.
  const loopLag = new LoopLag(systemClock);
  loopLag.start();
  const admission = new HelloAdmission({
    ratePerSec: opts.maxHelloRate,
    burst: opts.helloBurst,
    clock: systemClock,
    loopLagMs: () => loopLag.current(),
    maxLoopLagMs: opts.helloMaxLoopLagMs,
  });
  const ctx = {
    registry,
    channels,
    coordinatorId: opts.coordinatorId,
    helloTimeoutMs: opts.helloTimeoutMs,
    requireCertificate: Boolean(opts.tls.ca),
    clampInterval: (ms: number) => Math.min(opts.maxIntervalMs, Math.max(opts.minIntervalMs, ms)),
    // The fleet is every host known (stored ones too): after a restart the whole fleet
    // reconnects and each agent is granted the period the fleet's size allows at once.
    grantLiveness: (askedMs: number, intervalMs: number, viaDatagrams: boolean) => grantLiveness(askedMs, intervalMs, opts.minLivenessMs, registry.size + 1, rateFor(viaDatagrams)),
    admitHello: () => admission.admit(),
    datagrams,
    echoAfterMs: opts.echoAfterMs ?? ECHO_SCHEDULE.firstAfterMs,
    unheard: new UnheardLog(systemClock, log),
    log,
    metrics,
    supersede: (id: number) => live.get(id)?.supersede(),
    register: (id: number, s: AgentSession) => void live.set(id, s),
    unregister: (id: number) => void live.delete(id),
  };
  // The same budget for the fleet as it is now, without the newcomer Hello counts.
  const regrant = new LivenessRegrant(systemClock, () => live.values(), (askedMs, intervalMs, viaDatagrams) => grantLiveness(askedMs, intervalMs, opts.minLivenessMs, registry.size, rateFor(viaDatagrams)), {
    everyMs: opts.livenessRegrantMs ?? DEFAULT_REGRANT_OPTIONS.everyMs,
  }, (sent) => log.info({ sent, fleet: registry.size }, `liveness period fitted to a fleet of ${registry.size}: new grants to ${sent} agent streams`));
  if (opts.maxLivenessRate > 0 || (opts.livenessDatagrams && (opts.maxLivenessDatagramRate ?? 0) > 0)) regrant.start();
  // Looked at as often as the first Echo comes, or every 5 s.
  const echoAfterMs = ctx.echoAfterMs;
  const probes = new RoundTripProbes(systemClock, () => live.values(), () => loopLag.current(), { everyMs: Math.min(DEFAULT_ROUND_TRIP_PROBE_OPTIONS.everyMs, echoAfterMs) });
  if (echoAfterMs > 0) probes.start();
  server.addService(guardedAgentService(opts.maxMessageBytes, loadProtoWithLoader()), {
    Connect: (call: AgentCall) => void new AgentSession(call, ctx),
  });
  // We listen ourselves and hand each TCP connection to grpc-js, so connections beyond the
  // per-peer limit are closed before TLS or HTTP/2 spend anything on them.
  const gate = new PeerConnectionGate({
    maxPerPeer: opts.maxConnectionsPerPeer,
    exemptLoopback: !opts.limitLoopback,
    log,
    refused: () => metrics.rejected('connections_per_peer'),
  });
  const injector = server.createConnectionInjector(serverCredentials(opts.tls));
  let stopping = false;
  // A connection whose agent gave up while it waited in the accept queue is closed before
  // TLS or HTTP/2 spend anything on it (queued-connection.ts).
  const onConnection = (socket: Socket): void => {
    if (!gate.admit(socket)) return;
    handOnIfOpen(socket, (s) => (stopping ? s.destroy() : injector.injectConnection(s)), () => metrics.rejected('connection_abandoned'));
  };
  const parked = agentListener.serve(onConnection);
  if (parked > 0) log.info({ connections: parked }, `${parked} agent connections that came while the coordinator started are served now`);
  const extraListeners = await fanOutAccepts(agentListener.server, { total: ACCEPT_DESCRIPTORS, backlog: LISTEN_BACKLOG, onConnection, log });
  if (datagrams && datagrams.port !== port) {
    log.warn({ port: datagrams.port, grpcPort: port }, `liveness datagrams on udp ${opts.host}:${datagrams.port}: udp port ${port} was taken, so a firewall must let this one through (or agents send their liveness on their streams)`);
  } else if (datagrams) log.info({ port: datagrams.port }, `liveness datagrams on udp ${opts.host}:${datagrams.port}`);
  return {
    port,
    channels,
    datagrams,
    sessions: () => live.size,
    returnsDueBy: () => admission.returnsDueBy(),
    async stop() {
      stopping = true;
      loopLag.stop();
      regrant.stop();
      probes.stop();
      agentListener.close();
      for (const l of extraListeners) l.close();
      // Before the streams end: their closing then owes the receiver nothing.
      datagrams?.beginStop();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
        // Streams never end by themselves; tryShutdown waits for them, so end them now.
        const streams = live.size;
        for (const s of live.values()) s.endForStop();
        if (streams > 0) log.info({ streams }, `ended ${streams} agent streams with UNAVAILABLE: coordinator stopping`);
      });
      await datagrams?.stop();
    },
  };
}
