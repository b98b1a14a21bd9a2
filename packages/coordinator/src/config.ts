import { hostname } from 'node:os';
import { z } from 'zod';
import { RULE_NAMES } from './predictions/rules/index.js';
import { durationMs, isLoopback, hostPort, logLevel, PROBLEM_CLASS_TABLE, tlsFiles } from '@vigil/shared';
import { parseSshPort } from './diagnosis/ssh-target.js';

// Diagnosis: the fleet's SSH port, `22` or `none` (from a file: a number or a string).
const sshPortSetting = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const parsed = parseSshPort(String(v));
  if (parsed === undefined) ctx.addIssue({ code: 'custom', message: `"${v}" is neither a TCP port (1-65535) nor "none"` });
  return parsed ?? z.NEVER;
});

/** One API token: who holds it, what it may do, and the SHA-256 (hex) of its text. */
export const apiToken = z
  .object({
    /** Who holds the token; shown in logs of the requests it makes. */
    name: z.string().min(1).max(64),
    /** `viewer` reads; `operator` also acts (acknowledge, resolve, recover). */
    role: z.enum(['viewer', 'operator']),
    /** SHA-256 of the token, 64 lower-case hex digits (`vigil-coordinator hash-token`). */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits (SHA-256 of the token)'),
  })
  .strict();

export const MAX_TOKENS = 256;

/**
 * The coordinator's settings, validated once at start and frozen. Every option can be
 * given in the YAML config file (same names) or on the command line (kebab-case).
 */
export const coordinatorConfigSchema = z
  .object({
    /** Address of the gRPC listener for agents. @default 127.0.0.1:7400 */
    grpc: hostPort.prefault('127.0.0.1:7400'),
    /** Address of the HTTP API; HTTPS with the coordinator's certificate when TLS is configured. @default 127.0.0.1:7401 */
    http: hostPort.prefault('127.0.0.1:7401'),
    /**
     * A second, plaintext listener for the same API, for local tools (curl, scripts) on a
     * coordinator whose main API speaks HTTPS. Loopback only; tokens apply as on the main
     * listener. @default none
     */
    apiPlainListen: hostPort.optional(),
    /** NATS server URL(s), comma-separated, or `none` to run without publishing. @default nats://127.0.0.1:4222 */
    nats: z.string().min(1).default('nats://127.0.0.1:4222'),
    /** Where the SQLite store and ports.json live. @default ./vigil-data */
    dataDir: z.string().min(1).default('./vigil-data'),
    /** This coordinator's name in events and Welcome messages. @default the hostname */
    id: z.string().min(1).max(128).default(hostname()),
    /** Mutual TLS files (PEM): `ca` signs the agents' certificates, `cert` and `key` are this coordinator's (also served by the HTTP API, which then speaks HTTPS). All three, or none (every listener on loopback). See docs/tls.md. */
    tls: tlsFiles.default({}),
    /** Phi-accrual threshold above which a host is silent (Cassandra and Akka use 8). @default 8 */
    phiThreshold: z.coerce.number().positive().max(100).default(8),
    /** The longest a host whose stream broke without Goodbye stays suspect before it is silent. A host whose agent promises a quick redial (its stream was up at least 11 s, or was the first its agent process dialled) waits only what its agent needs to be back, when that is less: 200 ms for the redial, four times the host's fastest round trip (its Hello to its first message, or an Echo to its answer: see echoAfter) and 200 ms of headroom, about 0.45 s on a LAN. @default 1s */
    disconnectGrace: durationMs.default(1000),
    /** The shortest a host whose stream broke stays suspect, however little its agent needs to come back; set it to `disconnectGrace` for a fixed grace. @default 0s */
    minDisconnectGrace: durationMs.default(0),
    /**
     * A host whose connect was too slow for a disconnect grace under `disconnectGrace` (a
     * connect slowed by a reconnect storm, e.g. after this coordinator restarted) has its
     * stream's round trip timed again by an Echo this long after its Welcome, while this
     * coordinator's loop is on time; at most three, each twice as long after the one before,
     * to agents that list the capability echo. 0: none (such a host keeps `disconnectGrace`
     * until its agent reconnects). @default 30s
     */
    echoAfter: durationMs.default(30_000),
    /**
     * After a coordinator start, hosts known from the store get this long (at least one
     * detection window) to reconnect before any is declared silent: agents in reconnect
     * backoff need time, and a coordinator restart must not page the fleet. Raised to the
     * time maxHelloRate needs to admit every host that was online, with half again as
     * headroom (10,000 hosts at 800/s: 18.75 s). @default 15s
     */
    restartGrace: durationMs.default(15_000),
    /** Never declare silence before this many announced intervals have passed. @default 1.75 */
    floorIntervals: z.coerce.number().min(1).max(10).default(1.75),
    /** Always declare silence once this many announced intervals have passed. @default 2 */
    ceilingIntervals: z.coerce.number().min(1).max(20).default(2),
    /** Lower bound of the silence floor, for very short intervals where jitter dominates. @default 1s */
    minSilenceFloor: durationMs.default(1000),
    /** The longest between two checks of the deadlines; a deadline that falls due sooner is checked then. @default 100ms */
    sweepInterval: durationMs.default(100),
    /** Shortest interval an agent may announce; a shorter one is answered with this bound in Welcome. */
    minAgentInterval: durationMs.default(100),
    /** Longest interval an agent may announce; a longer one is answered with this bound in Welcome. */
    maxAgentInterval: durationMs.default(300_000),
    /**
     * Shortest liveness period granted to an agent that asks for one (agents ask for 1 s by
     * default): a frozen host or a cut link is declared silent within about two of them,
     * while samples stay at the heartbeat interval. A shorter ask is answered with this;
     * 0 grants none, and hosts are judged by their heartbeats alone. @default 250ms
     */
    minLivenessInterval: durationMs.default(250),
    /**
     * Liveness messages a second the coordinator takes from its whole fleet (each costs
     * about 30 µs of its CPU, bench/liveness): a fleet larger than this gets a longer
     * period (fleet ÷ rate seconds, in 250 ms steps), and none once that reaches the
     * heartbeat interval. 10,000 hosts get 1 s, 15,000 get 1.5 s. 0: no bound.
     * @default 10000
     */
    maxLivenessRate: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
    /**
     * Take liveness as UDP datagrams (docs/contract.md) from agents that can send them, on
     * the UDP port of the same number as the agents' gRPC listener (any free port when that
     * one is taken; the Welcome tells each agent which). A datagram costs the coordinator
     * about a third of a stream message and is read by its own thread, so a busy coordinator
     * loses none. An agent whose datagrams go unheard (UDP filtered) keeps sending its
     * liveness on the stream. @default true
     */
    livenessDatagrams: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(true),
    /**
     * Liveness datagrams a second the coordinator takes from its whole fleet: the budget of
     * maxLivenessRate, for agents whose liveness comes as datagrams. 25,000 hosts get 1 s.
     * 0: no bound. @default 25000
     */
    maxLivenessDatagramRate: z.coerce.number().int().min(0).max(1_000_000).default(25_000),
    /**
     * How often each stream's liveness period is fitted to the fleet's size as it is now
     * (Welcome granted what the size allowed when the agent connected; a fleet that grew
     * would exceed maxLivenessRate). Agents that take a LivenessGrant (capability
     * liveness_grant) are re-granted where the period would change by 10 % or more, at
     * most 2,000 a pass; a pass that reached 2,000 is followed by the next 2 s later (or
     * at this interval, if shorter). At least 100ms. @default 10s
     */
    livenessRegrantInterval: durationMs.refine((ms) => ms >= 100, 'must be at least 100ms').default(10_000),
    /**
     * A host's heartbeat is written to the store (and acked) at most this often; the ones
     * between are kept in memory, which the API and the detector read, and acked with the
     * next stored one. A heartbeat whose services changed state, the first of a stream and
     * the last before the host goes silent or leaves are stored at once. A store write per
     * heartbeat was the largest cost of a heartbeat at 5,000+ agents. 0: every heartbeat.
     * @default 30s
     */
    heartbeatStoreInterval: durationMs.default(30_000),
    /** A stream that sends no Hello this long after it opened is ended with DEADLINE_EXCEEDED. @default 10s */
    helloTimeout: durationMs.default(10_000),
    /**
     * TCP connections taken at once from one peer address; those beyond are closed at once
     * (an agent holds one). Raise it for many agents behind one NAT address; 0 takes any
     * number. Loopback peers are not limited. @default 256
     */
    maxConnectionsPerPeer: z.coerce.number().int().min(0).max(1_000_000).default(256),
    /**
     * Hellos admitted per second; 0 takes every Hello at once. A Hello over the bound is
     * answered at once with RESOURCE_EXHAUSTED and a `grpc-retry-pushback-ms` hint, and the
     * agent comes back then, so a connect storm (a fleet starting, every agent reconnecting
     * after a restart) is taken at a rate the coordinator can serve while it keeps acking
     * the hosts already connected (docs/performance.md). @default 800
     */
    maxHelloRate: z.coerce.number().min(0).max(1_000_000).default(800),
    /** Hellos admitted at once after a quiet spell, above maxHelloRate. @default 200 */
    helloBurst: z.coerce.number().int().min(1).max(1_000_000).default(200),
    /**
     * While the coordinator's event loop runs later than this (a busy machine, or new
     * connections costing more than it can keep up with), every Hello is sent away with a
     * retry hint, whatever maxHelloRate allows: a Welcome after the agent's timeout (5 s,
     * longer after late Welcomes in a row) costs more than a prompt "come back later". 0 turns it off. @default 2s
     */
    helloMaxLoopLag: durationMs.default(2000),
    /** Largest agent message accepted, in bytes. @default 262144 */
    maxMessageBytes: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
    /** JetStream stream that holds Vigil's events. @default VIGIL */
    natsStream: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('VIGIL'),
    /**
     * Share the fleet with other coordinators through NATS JetStream key-value buckets:
     * host ownership by compare-and-set, adoption of a dead coordinator's hosts
     * (docs/scaling.md). Needs NATS. @default false
     */
    cluster: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
    /** A coordinator that has not refreshed its membership this long is gone. @default 6s */
    clusterTtl: durationMs.default(6000),
    /**
     * `GET /readyz` answers 503 once events have waited this long without a successful
     * publish (NATS down, a stream that refuses the subjects). @default 60s
     */
    readyPublishGrace: durationMs.default(60_000),
    /** Base URL of the HTTP API as pagers should link to it; derived from --http when absent. */
    publicUrl: z.string().url().optional(),
    /** Log level of the JSON log on standard error. */
    logLevel: logLevel.default('info'),
    /**
     * How long an incident of each class may stay unresolved at a level before it moves up
     * (runbook section 2: network 5 min, hardware 10 min, service 3 min).
     */
    escalation: z
      .object({
        /** Escalation time of a network issue. */
        network_issue: durationMs.default(PROBLEM_CLASS_TABLE.network_issue.escalationMs),
        /** Escalation time of a server hardware issue. */
        server_hardware_issue: durationMs.default(PROBLEM_CLASS_TABLE.server_hardware_issue.escalationMs),
        /** Escalation time of a service failure. */
        service_failure: durationMs.default(PROBLEM_CLASS_TABLE.service_failure.escalationMs),
        /** Escalation time of a partial failure (a degraded service). */
        partial_failure: durationMs.default(PROBLEM_CLASS_TABLE.partial_failure.escalationMs),
        /** Escalation time of an agent failure (host up, agent gone). */
        agent_failure: durationMs.default(PROBLEM_CLASS_TABLE.agent_failure.escalationMs),
        /** Escalation time of an observer partition (the coordinator's own link). */
        observer_partition: durationMs.default(PROBLEM_CLASS_TABLE.observer_partition.escalationMs),
      })
      .strict()
      .prefault({}),
    /** An incident resolves itself after its condition has been clear this long. @default 60s */
    settleWindow: durationMs.default(60_000),
    /** Condition changes (present to clear or back) within flapWindow that mark an incident flapping. @default 3 */
    flapChanges: z.coerce.number().int().min(2).max(100).default(3),
    /** How far back flapChanges count; steady this long, an incident stops flapping. @default 10m */
    flapWindow: durationMs.default(10 * 60_000),
    /** How often escalation deadlines are checked. @default 1s */
    incidentTick: durationMs.default(1000),
    /** How often `GET /v1/events` sends a `: keep-alive` comment, so proxies keep an idle stream open. @default 15s */
    eventsKeepAlive: durationMs.refine((ms) => ms >= 10, 'at least 10ms').default(15_000),
    /** A `GET /v1/events` client whose socket stays full this long is dropped (it resumes with Last-Event-ID). @default 30s */
    eventsStallTimeout: durationMs.refine((ms) => ms >= 10, 'at least 10ms').default(30_000),
    /** How long published events stay in the outbox, where `GET /v1/events` resumes from. @default 1h */
    eventsRetention: durationMs.refine((ms) => ms >= 1000, 'at least 1s').default(3_600_000),
    /** How often `vigil.v1.coordinator.heartbeat.<id>` is published, for dead man's switches (vigil-notify). @default 10s */
    heartbeatInterval: durationMs.refine((ms) => ms >= 100, 'at least 100ms').default(10_000),
    /** Peer agents asked to probe a silent host besides the coordinator. @default 3 */
    diagnosisPeers: z.coerce.number().int().min(0).max(16).default(3),
    /**
     * Diagnoses of silent hosts run at once (each pings, connects to SSH and service ports
     * and asks peers to probe); more wait in arrival order, and a host back online while it
     * waits is dropped. Bounds the burst of a fleet-wide cut. @default 16
     */
    diagnosisConcurrency: z.coerce.number().int().min(1).max(1024).default(16),
    /** Host label that groups hosts sharing network dependencies. @default zone */
    zoneLabel: z.string().min(1).max(64).default('zone'),
    /**
     * Share of hosts silent within the partition window that makes the coordinator suspect
     * its own link; peers' probes and the hosts still connected decide. @default 0.3
     */
    partitionRatio: z.coerce.number().gt(0).max(1).default(0.3),
    /** Fewer silent hosts than this never make a partition. @default 3 */
    partitionMinHosts: z.coerce.number().int().min(1).default(3),
    /** How far back silent hosts count towards partitionRatio and partitionMinHosts. @default 30s */
    partitionWindow: durationMs.default(30_000),
    /** SSH banner timeout (runbook: ConnectTimeout=10). @default 10s */
    sshTimeout: durationMs.default(10_000),
    /**
     * The fleet's SSH port for the SSH step of a diagnosis, for hosts whose agent sets no
     * `sshPort` of its own: a port, or `none` where hosts serve no SSH the coordinator can
     * reach (the step is skipped; the agent's stream, service ports and ping decide). @default 22
     */
    sshPort: sshPortSetting.default(22),
    /** Deadline of the 4-packet ping. @default 2s */
    pingTimeout: durationMs.default(2000),
    /** Error rate above which a running service has a partial failure (runbook: 1 %). @default 0.01 */
    highErrorRate: z.coerce.number().min(0).max(1).default(0.01),
    /** Consecutive heartbeats reporting a service down before its incident opens. @default 2 */
    serviceReportsBeforeIncident: z.coerce.number().int().min(1).max(100).default(2),
    /**
     * Failure predictions (runbook section 6). Every default is the runbook's; `rules`
     * overrides a rule's settings by name (or turns it off with `false`), e.g.
     * `{ disk_exhaustion: { horizonMs: 172800000 } }`. Shorter buckets and windows suit
     * tests and drills; the logic is the same.
     */
    predictions: z
      .object({
        /** Downsampling bucket of every series. @default 1m */
        bucket: durationMs.default(60_000),
        /** How long series are kept. @default 6h */
        retention: durationMs.default(6 * 3_600_000),
        /** How often the rules run. @default 1m */
        tick: durationMs.default(60_000),
        /** A series without data this long lets its prediction expire. @default 30m */
        stale: durationMs.default(30 * 60_000),
        /** Newer data than this is needed before anything is raised. @default 5m */
        quiet: durationMs.default(5 * 60_000),
        /** Consecutive firing evaluations before a prediction is raised. @default 3 */
        raiseAfter: z.coerce.number().int().min(1).max(100).default(3),
        /** Per-rule overrides by rule name: a map of settings, or `false` to turn the rule off. */
        rules: z.partialRecord(z.enum(RULE_NAMES as unknown as [string, ...string[]]), z.union([z.literal(false), z.record(z.string(), z.number())])).default({}),
      })
      .strict()
      .prefault({}),
    /**
     * API tokens, stored as SHA-256 hashes (hex) of the token: `vigil-coordinator
     * hash-token` prints one. Required on every route but /healthz when the API listens
     * beyond loopback, or whenever any token is configured.
     */
    tokens: z.array(apiToken).max(MAX_TOKENS).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.minDisconnectGrace > c.disconnectGrace) {
      ctx.addIssue({ code: 'custom', path: ['minDisconnectGrace'], message: `must not be above disconnectGrace (${c.disconnectGrace} ms)` });
    }
    if (c.ceilingIntervals < c.floorIntervals) {
      ctx.addIssue({ code: 'custom', path: ['ceilingIntervals'], message: `must not be below floorIntervals (${c.floorIntervals})` });
    }
    if (c.cluster && c.nats.trim().toLowerCase() === 'none') {
      ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'a cluster shares its state through NATS: give --nats' });
    }
    if (c.apiPlainListen && !isLoopback(c.apiPlainListen.host)) {
      ctx.addIssue({ code: 'custom', path: ['apiPlainListen'], message: `the plaintext API listener must be on loopback (127.0.0.1, ::1 or localhost), not "${c.apiPlainListen.host}"` });
    }
    if (c.tokens.length === 0 && !isLoopback(c.http.host)) {
      ctx.addIssue({ code: 'custom', path: ['tokens'], message: `an API listening on "${c.http.host}" beyond loopback needs at least one token` });
    }
    if (c.maxAgentInterval < c.minAgentInterval) {
      ctx.addIssue({ code: 'custom', path: ['maxAgentInterval'], message: 'must not be below minAgentInterval' });
    }
  });

export type CoordinatorConfig = z.output<typeof coordinatorConfigSchema>;
