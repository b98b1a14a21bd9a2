import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLogger, describeTightening, formatHostPort, routeGrpcLogs, systemClock, type Clock, type Logger, type ProblemClass } from '@vigil/shared';
import type { CoordinatorConfig } from './config.js';
import { detectionWindowFor, SilenceDetector } from './detector/silence-detector.js';
import { buildApp } from './http/app.js';
import { CoordinatorMetrics } from './metrics.js';
import { startCoordinatorHeartbeat } from './outbox/heartbeat.js';
import { NOTIFY_RECEIPTS_SUBJECT, parseNotifyReceipt, receiptSummary } from './outbox/notify-receipts.js';
import { NatsLink } from './outbox/nats-link.js';
import { OutboxPublisher } from './outbox/publisher.js';
import { EventFeed } from './outbox/event-feed.js';
import { startOutboxPruner } from './outbox/pruner.js';
import { HeartbeatWriter } from './registry/heartbeat-writer.js';
import { hostRemovedEvent, hostStateEvent } from './registry/host-events.js';
import { serviceEvent } from './outbox/service-events.js';
import { HostRegistry } from './registry/host-registry.js';
import type { HostRecord, Transition } from './registry/types.js';
import { openDb, type Db } from './store/db.js';
import { AgentEventStore } from './store/agent-event-store.js';
import { HostStore } from './store/host-store.js';
import { OutboxStore } from './store/outbox-store.js';
import { StoreWriteGuard } from './store/write-guard.js';
import { AgentChannels } from './grpc/agent-channels.js';
import { admissionGraceMs } from './grpc/hello-admission.js';
import { bindHttp, type HttpListener } from './http/listener.js';
import { bindAgentListener, type AgentListener } from './grpc/agent-listener.js';
import { startAgentServer, type AgentServer } from './grpc/server.js';
import { VERSION } from './version.js';
import { Readiness } from './readiness.js';
import { Diagnoser } from './diagnosis/diagnoser.js';
import { createLocalProber } from './diagnosis/local-prober.js';
import { ExecHelper } from './diagnosis/exec-helper.js';
import type { LocalProber } from './diagnosis/vantage.js';
import { IncidentManager } from './incidents/incident-manager.js';
import { IncidentStore } from './incidents/incident-store.js';
import { RunbookLevelActions } from './response/level-actions.js';
import { Responder } from './response/responder.js';
import { RESPONSE_RULES } from './response/rules/table.js';
import { linkPredictionsToIncident, Predictor, SeriesStore, type RuleOverrides } from './predictions/index.js';
import { joinCluster, type ClusterMember } from './cluster/join.js';

export interface Coordinator {
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Port of the plaintext loopback API listener (`apiPlainListen`), when there is one. */
  readonly httpPlainPort: number | undefined;
  readonly registry: HostRegistry;
  readonly channels: AgentChannels;
  readonly incidents: IncidentManager;
  readonly responder: Responder;
  readonly cluster: ClusterMember | undefined;
  readonly app: FastifyInstance;
  stop(): Promise<void>;
}

export interface CoordinatorDeps {
  clock?: Clock;
  logger?: Logger;
  /** The coordinator's own vantage; the real probes by default. */
  localProber?: LocalProber;
}

export interface BuildDeps extends CoordinatorDeps {
  /** The API's base URL as its clients reach it: every link in an event starts with it. */
  apiBase: string;
  /** The API's listener, bound already; without one the app serves inject() only. */
  http?: HttpListener;
  /** The agents' listener, bound already (connections wait in it until listen()); else bound by listen(). */
  agents?: AgentListener;
}

/**
 * A coordinator built from its dependencies: the store open, the registry loaded (with its
 * restart grace), every part wired. Nothing runs and no agent can connect until `listen()`.
 */
export interface BuiltCoordinator {
  readonly registry: HostRegistry;
  readonly incidents: IncidentManager;
  readonly responder: Responder;
  readonly app: FastifyInstance;
  /** Starts the background work (detector, outbox, NATS, cluster), then the listeners. */
  listen(): Promise<Coordinator>;
}

/**
 * Binds the API's listener (so its URL is known) and the agents' listener (so that a fleet
 * reconnecting after a restart waits in its accept queue while the store loads, instead of
 * being refused and backing off; grpc/agent-listener.ts), builds the coordinator from its
 * dependencies, and listens, like fastify's build/listen split.
 */
export async function startCoordinator(config: CoordinatorConfig, deps: CoordinatorDeps = {}): Promise<Coordinator> {
  const http = await bindHttp(config.http, config.tls);
  let agents: AgentListener | undefined;
  try {
    agents = await bindAgentListener(config.grpc);
    const built = await buildCoordinator(config, { ...deps, apiBase: config.publicUrl ?? http.url, http, agents });
    return await built.listen();
  } catch (err) {
    agents?.close();
    await http.close();
    throw err;
  }
}

/**
 * Wires the parts together. The order matters: the store is open and the registry loaded
 * before anything can reach it; listen() starts what runs.
 */
export async function buildCoordinator(config: CoordinatorConfig, deps: BuildDeps): Promise<BuiltCoordinator> {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger ?? createLogger('vigil-coordinator', config.logLevel);
  const apiBase = deps.apiBase;
  // grpc-js's own diagnostics would otherwise be plain text lines in a JSON log.
  routeGrpcLogs(log);
  const metrics = new CoordinatorMetrics();
  const readiness = new Readiness(clock, config.readyPublishGrace);
  const db: Db = openDb(config.dataDir, 'vigil.db', {
    log: log.child({ part: 'store' }),
    onTightened: (path, from, to) => log.warn({ path }, describeTightening(path, from, to)),
  });
  const hostStore = new HostStore(db);
  const natsEnabled = config.nats.trim().toLowerCase() !== 'none';
  // Every event is stored, with or without NATS: the outbox is also what GET /v1/events reads.
  const outbox = new OutboxStore(db, { publishes: natsEnabled });
  // Every write the coordinator makes goes through this one guard: a full disk degrades
  // the coordinator (reported on /readyz, /healthz and /metrics) instead of crashing it.
  const storeGuard = new StoreWriteGuard(clock, log.child({ part: 'store' }), readiness, {
    failed: (what) => metrics.storeWriteFailures.inc({ what }),
    degraded: (on) => metrics.storeDegraded.set(on ? 1 : 0),
    caughtUp: (n) => metrics.storeCaughtUp.inc(n),
  });
  const source = `vigil-coordinator/${config.id}`;
  // A recovery step an agent reports and its event are one transaction, like every other event.
  const agentEvents = new AgentEventStore(db, {
    stored: (e) => {
      const { subject, event } = serviceEvent(e, source, apiBase);
      outbox.add(event.id, subject, JSON.stringify(event), e.receivedAt);
    },
  });

  const nats = natsEnabled
    ? new NatsLink(
        { servers: config.nats.split(',').map((s) => s.trim()), stream: config.natsStream, name: source, duplicateWindowMs: 10 * 60_000, maxAgeMs: 7 * 86_400_000 },
        log.child({ part: 'nats' }),
      )
    : undefined;
  const publisher = nats
    ? new OutboxPublisher(outbox, nats, clock, log.child({ part: 'outbox' }), { batchSize: 64, retainPublishedMs: config.eventsRetention }, {
        published: (n, dup) => {
          metrics.published.inc(n);
          if (dup) metrics.publishDuplicates.inc(dup);
        },
        failed: () => metrics.publishFailures.inc(),
      }, {
        publishFailing: (since) => readiness.publishFailing(since),
        publishOverdue: () => readiness.publishOverdue(),
        storeFailed: (err) => storeGuard.storeFailed(err, 'outbox bookkeeping'),
        storeOk: () => storeGuard.storeOk(),
      })
    : undefined;

  // A state change and its event are one transaction: the outbox can't miss or invent one.
  const persistTransition = db.transaction((t: Transition, host: HostRecord) => {
    hostStore.recordTransition(t);
    const { subject, event } = hostStateEvent(t, host, source, apiBase);
    outbox.add(event.id, subject, JSON.stringify(event), t.at);
  });
  // Called by the registry through the store guard, which keeps it when the store refuses it.
  const sink = (t: Transition, host: HostRecord) => {
    persistTransition(t, host);
    publisher?.kick();
  };

  // A removed host and its event are one transaction too.
  const persistRemoval = db.transaction((host: HostRecord, at: number, by: string) => {
    hostStore.remove(host.id);
    const { subject, event } = hostRemovedEvent(host, at, by, source, apiBase);
    outbox.add(event.id, subject, JSON.stringify(event), at);
  });
  const removalSink = (host: HostRecord, at: number, by: string) => {
    persistRemoval(host, at, by);
    publisher?.kick();
  };

  const writer = new HeartbeatWriter(db, hostStore, (_n, ms) => metrics.storeWrite.observe(ms / 1000), undefined, undefined, {
    storeFailed: (err) => storeGuard.storeFailed(err, 'heartbeats'),
    storeOk: () => storeGuard.storeOk(),
  });
  let registry: HostRegistry | undefined;
  let agentServer: AgentServer | undefined;
  const detectorOpts = {
    phiThreshold: config.phiThreshold,
    floorIntervals: config.floorIntervals,
    ceilingIntervals: config.ceilingIntervals,
    minFloorMs: config.minSilenceFloor,
    sweepMs: config.sweepInterval,
  };
  const detector = new SilenceDetector(clock, (v) => registry?.onSilent(v), detectorOpts);
  registry = new HostRegistry(
    clock,
    hostStore,
    writer,
    detector,
    sink,
    {
      disconnectGraceMs: config.disconnectGrace,
      minDisconnectGraceMs: config.minDisconnectGrace,
      // Hellos after a restart are admitted at maxHelloRate: known hosts get at least the
      // time that takes, so the bound cannot make a reconnecting fleet look silent.
      restartGraceMs: Math.max(config.restartGrace, admissionGraceMs(hostStore.countLive(), config.maxHelloRate)),
      detectionWindowMs: (i) => detectionWindowFor(i, detectorOpts),
      removalSink,
      storeGuard,
      heartbeatStoreIntervalMs: config.heartbeatStoreInterval,
      // The agents' server starts later; until then nobody has been sent away.
      returnsDueBy: () => agentServer?.returnsDueBy() ?? -Infinity,
    },
    log.child({ part: 'registry' }),
    agentEvents,
    metrics,
  );
  registry.load();

  const incidentOpts = { escalationMs: (c: ProblemClass) => config.escalation[c], settleMs: config.settleWindow, flap: { changes: config.flapChanges, windowMs: config.flapWindow }, tickMs: config.incidentTick, source, apiBase, storeGuard };
  const incidents = new IncidentManager(
    db,
    new IncidentStore(db),
    {
      enqueue: (subject, event) => {
        outbox.add(event.id, subject, JSON.stringify(event), clock.now());
      },
      kick: () => publisher?.kick(),
    },
    clock,
    log.child({ part: 'incidents' }),
    incidentOpts,
  );
  metrics.follow({ registry, incidents });
  // The timeline says what reached people, from vigil-notify's receipts, not what was meant to.
  nats?.subscribe(NOTIFY_RECEIPTS_SUBJECT, (subject, body) => {
    const r = parseNotifyReceipt(subject, body);
    if (r && incidents.get(r.incidentId)) incidents.note(r.incidentId, 'notification', receiptSummary(r), r);
  });
  const eventFeed = new EventFeed(outbox, { keepAliveMs: config.eventsKeepAlive, stallMs: config.eventsStallTimeout });
  // The streams' table exists before the gRPC server: the diagnosis and the runbook's
  // actions reach agents through it.
  const channels = new AgentChannels();

  // Started now, while this process is small: ping runs from it (see ExecHelper).
  const execHelper = deps.localProber ? undefined : new ExecHelper(log.child({ part: 'probe-helper' }));
  execHelper?.start();
  const ownProber = execHelper && createLocalProber(undefined, execHelper.exec);
  const diagnoser = new Diagnoser(registry, channels, deps.localProber ?? ownProber!, log.child({ part: 'diagnosis' }), {
    peers: config.diagnosisPeers,
    zoneLabel: config.zoneLabel,
    sshTimeoutMs: config.sshTimeout,
    sshPort: config.sshPort,
    clock,
    pingTimeoutMs: config.pingTimeout,
    highErrorRate: config.highErrorRate,
  });
  const responder = new Responder(registry, diagnoser, incidents, config.id, (h) => agentEvents.findings(h), log.child({ part: 'responder' }), {
    partitionRatio: config.partitionRatio,
    partitionMinHosts: config.partitionMinHosts,
    partitionWindowMs: config.partitionWindow,
    zoneLabel: config.zoneLabel,
    serviceReportsBeforeIncident: config.serviceReportsBeforeIncident,
    diagnosisConcurrency: config.diagnosisConcurrency,
  }, RESPONSE_RULES, clock);
  metrics.readDiagnoses(() => responder.diagnosisLoad());
  storeGuard.onRecovered(() => responder.retryRefused());
  incidents.setActions(new RunbookLevelActions(registry, channels, log.child({ part: 'actions' })));
  const series = new SeriesStore({ bucketMs: config.predictions.bucket, retentionMs: config.predictions.retention });
  const predictor = new Predictor(
    {
      clock,
      db,
      series,
      log: log.child({ part: 'predictions' }),
      sink: {
        enqueue: (subject, event) => {
          outbox.add(event.id, subject, JSON.stringify(event), clock.now());
        },
        kick: () => publisher?.kick(),
      },
      apiBase: () => apiBase,
      storeRefused: (err, what) => storeGuard.storeFailed(err, what),
    },
    {
      source,
      tickMs: config.predictions.tick,
      staleMs: config.predictions.stale,
      quietMs: config.predictions.quiet,
      raiseAfter: config.predictions.raiseAfter,
      rules: config.predictions.rules as RuleOverrides,
    },
  );
  registry.subscribe((e) => {
    if (e.type === 'heartbeat') predictor.observeHeartbeat(e.hostId, clock.now(), { resources: e.host.latestSample, services: e.host.serviceStatus });
  });
  // An incident on a host with an active prediction: the prediction came true, and the
  // incident's timeline says what was foreseen.
  incidents.onChange((i, event) => {
    if (event === 'opened') linkPredictionsToIncident(predictor, incidents, i);
  });
  const startedAt = Date.now();
  const app = await buildApp(
    {
      coordinatorId: config.id,
      version: VERSION,
      startedAt,
      registry,
      hostStore,
      metrics,
      phiOf: (id) => detector.phiOf(id),
      outboxDepth: () => (publisher ? outbox.depth() : 0),
      outboxLagMs: () => (publisher ? outbox.lagMs(clock.now()) : 0),
      natsConnected: () => (nats ? nats.connected : null),
      incidents,
      diagnoser,
      agentEvents,
      predictor,
      tokens: config.tokens,
      now: () => clock.now(),
      zoneLabel: config.zoneLabel,
      channels: channels,
      readiness: () => readiness.check(),
      storeGuard,
      eventFeed,
      series,
    },
    {
      logger: log.child({ part: 'http' }),
      ...(deps.http ? { listener: deps.http } : config.tls.cert && config.tls.key ? { https: { key: readFileSync(config.tls.key), cert: readFileSync(config.tls.cert) } } : {}),
    },
  );

  return { registry, incidents, responder, app, listen };

  async function listen(): Promise<Coordinator> {
    nats?.start();
    const heartbeat = nats ? startCoordinatorHeartbeat(nats, clock, { coordinatorId: config.id, source, intervalMs: config.heartbeatInterval }) : undefined;
    const cluster = config.cluster && nats ? await joinCluster(config, nats, registry!, clock, log.child({ part: 'cluster' })) : undefined;
    detector.start();
    publisher?.start();
    const pruner = publisher ? undefined : startOutboxPruner(outbox, clock, config.eventsRetention, (err) => storeGuard.storeFailed(err, 'outbox bookkeeping'));
    predictor.start();
    responder.start();
    incidents.start();

    const grpcServer: AgentServer = (agentServer = await startAgentServer(
      {
        host: config.grpc.host,
        port: config.grpc.port,
        ...(deps.agents ? { listener: deps.agents } : {}),
        tls: config.tls,
        coordinatorId: config.id,
        maxMessageBytes: config.maxMessageBytes,
        helloTimeoutMs: config.helloTimeout,
        minIntervalMs: config.minAgentInterval,
        maxIntervalMs: config.maxAgentInterval,
        minLivenessMs: config.minLivenessInterval,
        maxLivenessRate: config.maxLivenessRate,
        livenessDatagrams: config.livenessDatagrams,
        maxLivenessDatagramRate: config.maxLivenessDatagramRate,
        livenessRegrantMs: config.livenessRegrantInterval,
        echoAfterMs: config.echoAfter,
        maxConnectionsPerPeer: config.maxConnectionsPerPeer,
        maxHelloRate: config.maxHelloRate,
        helloBurst: config.helloBurst,
        helloMaxLoopLagMs: config.helloMaxLoopLag,
      },
      registry!,
      log.child({ part: 'grpc' }),
      { heartbeat: () => metrics.heartbeats.inc(), rejected: (reason) => metrics.rejected.inc({ reason }) },
      channels,
    ));
    // Datagrams taken by the receiver thread are read in before each verdict.
    if (grpcServer.datagrams) detector.beforeSweep = () => grpcServer.datagrams?.poll() ?? 0;
    metrics.readDatagrams(() => grpcServer.datagrams?.counters());
    await app.ready();
    deps.http?.open();
    const httpPort = deps.http?.port ?? 0;

    const plain = config.apiPlainListen ? await listenPlain(app, config.apiPlainListen) : undefined;

    try {
      writePorts(config.dataDir, { grpc: grpcServer.port, http: httpPort, ...(plain ? { httpPlain: plain.port } : {}) });
    } catch (err) {
      // A full data dir must not stop a coordinator that is otherwise ready to serve; only
      // tools that wait for the file are kept waiting, and this says why.
      log.error({ err: (err as Error).message, file: join(config.dataDir, 'ports.json') }, 'could not write ports.json; the listeners are up (see the next line)');
    }
    log.info(
      {
        grpc: formatHostPort(config.grpc.host, grpcServer.port),
        http: `${config.tls.cert ? 'https' : 'http'}://${formatHostPort(config.http.host, httpPort)}`,
        ...(plain && config.apiPlainListen ? { httpPlain: `http://${formatHostPort(config.apiPlainListen.host, plain.port)}` } : {}),
        nats: natsEnabled ? config.nats : 'none',
        id: config.id,
      },
      'coordinator listening',
    );

    let stopped = false;
    return {
      grpcPort: grpcServer.port,
      httpPort,
      httpPlainPort: plain?.port,
      registry: registry!,
      channels,
      incidents,
      responder,
      cluster,
      app,
      async stop() {
        if (stopped) return;
        stopped = true;
        // How long each part took, in the last line: a planned stop is time the fleet is away.
        const took = stageTimer();
        detector.stop();
        await cluster?.leave();
        took('leave');
        // A stream's end changes no host's state from here on.
        registry!.stop();
        // Every agent stream has ended when this returns; what it waits for is their
        // sessions closing (up to 2 s with 10,000 agents), on the agents' side of the wire.
        // That wait writes what memory holds (the series' last buckets, the heartbeats
        // queued and held), which no agent can add to any more: a planned stop is over
        // sooner, and with it the time the fleet is away.
        const agentsGone = grpcServer.stop();
        took('endStreams');
        incidents.stop();
        predictor.stop();
        ownProber?.close();
        execHelper?.close();
        writer.flush();
        took('flush');
        // Heartbeats the store pacer held in memory: one transaction, so a restart starts
        // from each host's latest sample.
        try {
          const held = db.transaction(() => registry!.storeHeldHeartbeats())();
          if (held > 0) log.info({ hosts: held }, 'stored the latest heartbeats held in memory');
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'could not store the latest heartbeats held in memory; the stored ones are older');
        }
        took('heldHeartbeats');
        await agentsGone;
        took('streams');
        await plain?.close();
        await app.close();
        await deps.http?.close();
        took('http');
        heartbeat?.stop();
        pruner?.stop();
        await publisher?.stop();
        took('publisher');
        const lost = storeGuard.stop();
        if (lost > 0) log.warn({ lost }, 'stopping while the store cannot write: writes kept for catch-up are lost; agents resend their unacked events');
        await nats?.close();
        took('nats');
        db.close();
        took('store');
        log.info({ ms: took.total(), stages: took.stages }, 'coordinator stopped');
      },
    };
  }
}

/**
 * The plaintext loopback listener: the same fastify app (routes, tokens, limits), reached
 * through a plain node:http server. Config validation has already refused any address
 * beyond loopback, so nothing unencrypted leaves the machine.
 */
async function listenPlain(app: FastifyInstance, at: { host: string; port: number }): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => app.routing(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Written atomically once every listener is bound: tools wait for this file. */
function writePorts(dataDir: string, ports: { grpc: number; http: number; httpPlain?: number }): void {
  mkdirSync(dataDir, { recursive: true });
  const tmp = join(dataDir, `.ports.json.${process.pid}`);
  writeFileSync(tmp, `${JSON.stringify(ports)}\n`);
  renameSync(tmp, join(dataDir, 'ports.json'));
}

/** Milliseconds since the last call, kept under a name; `total()` since it was made. */
function stageTimer(): ((name: string) => void) & { stages: Record<string, number>; total: () => number } {
  const start = performance.now();
  let last = start;
  const stages: Record<string, number> = {};
  const mark = (name: string) => {
    const now = performance.now();
    stages[name] = Math.round(now - last);
    last = now;
  };
  return Object.assign(mark, { stages, total: () => Math.round(performance.now() - start) });
}
