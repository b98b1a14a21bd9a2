import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLogger, FakeClock, type Logger } from '@vigil/shared';
import { SilenceDetector } from '../detector/silence-detector.js';
import { Diagnoser, type DiagnoserOptions } from '../diagnosis/diagnoser.js';
import type { LocalProber } from '../diagnosis/vantage.js';
import { AgentChannels } from '../grpc/agent-channels.js';
import { IncidentManager } from '../incidents/incident-manager.js';
import { IncidentStore } from '../incidents/incident-store.js';
import { CoordinatorMetrics } from '../metrics.js';
import { Predictor, SeriesStore } from '../predictions/index.js';
import { HeartbeatWriter } from '../registry/heartbeat-writer.js';
import { HostRegistry, type RegistryOptions } from '../registry/host-registry.js';
import { AgentEventStore } from '../store/agent-event-store.js';
import { openDb, type Db } from '../store/db.js';
import { HostStore } from '../store/host-store.js';
import { buildApp, type AppOptions } from '../http/app.js';
import type { ApiDeps } from '../http/deps.js';

export interface ApiFixtureOptions {
  /** Prefix of the temporary data directory, so a leftover one names its test. */
  name: string;
  /** @default a fake clock at 2026-12-03T08:00:00Z */
  clock?: FakeClock;
  /** Replaces single registry options. @default 1 s disconnect grace, 15 s restart grace, window 2 × interval */
  registry?: Partial<RegistryOptions>;
  /** The coordinator's own prober. @default one that throws: most API tests never probe */
  probe?: LocalProber['probe'];
  /** Replaces single diagnoser options. @default the defaults, on the fixture's clock */
  diagnosis?: Partial<DiagnoserOptions>;
}

/**
 * Real parts of the HTTP API on a temporary SQLite database: registry, stores, channels,
 * incident manager and diagnoser, wired as the coordinator wires them. The diagnoser exists
 * from the start, so it sees every transition the test drives, as in production.
 */
export interface ApiFixture {
  readonly dir: string;
  readonly db: Db;
  readonly clock: FakeClock;
  readonly log: Logger;
  readonly hostStore: HostStore;
  readonly agentEvents: AgentEventStore;
  readonly detector: SilenceDetector;
  readonly registry: HostRegistry;
  readonly channels: AgentChannels;
  readonly incidents: IncidentManager;
  readonly diagnoser: Diagnoser;
  /** buildApp over these parts; `over` replaces any dependency (tokens, incidents, channels…); `appOpts` sets e.g. the logger. */
  build(over?: Partial<ApiDeps>, appOpts?: AppOptions): Promise<FastifyInstance>;
  /** Closes the app if built, stops the registry, removes the database. */
  close(): Promise<void>;
}

const noSink = { enqueue: () => {}, kick: () => {} };

export function openApiFixture(opts: ApiFixtureOptions): ApiFixture {
  const dir = mkdtempSync(join(tmpdir(), `${opts.name}-`));
  const db = openDb(dir);
  const clock = opts.clock ?? new FakeClock(Date.parse('2026-12-03T08:00:00Z'));
  const log = createLogger('test', 'silent');
  const hostStore = new HostStore(db);
  const agentEvents = new AgentEventStore(db);
  const detector: SilenceDetector = new SilenceDetector(clock, (v) => registry.onSilent(v));
  const registry = new HostRegistry(
    clock,
    hostStore,
    new HeartbeatWriter(db, hostStore),
    detector,
    (t) => hostStore.recordTransition(t),
    { disconnectGraceMs: 1000, restartGraceMs: 15_000, detectionWindowMs: (i) => 2 * i, ...opts.registry },
    log,
    agentEvents,
  );
  const channels = new AgentChannels();
  const probe = opts.probe ?? (async () => { throw new Error('no probes in this test'); });
  const diagnoser = new Diagnoser(registry, channels, { probe }, log, { clock, ...opts.diagnosis });
  const incidents = new IncidentManager(db, new IncidentStore(db), noSink, clock, log, {
    escalationMs: () => 180_000,
    settleMs: 60_000,
    tickMs: 1000,
    source: 'test',
    apiBase: 'http://api',
  });
  let app: FastifyInstance | undefined;
  return {
    dir, db, clock, log, hostStore, agentEvents, detector, registry, channels, incidents, diagnoser,
    async build(over = {}, appOpts = {}) {
      app = await buildApp({
        coordinatorId: 'c1',
        version: '0.1.0',
        startedAt: Date.now(),
        registry,
        hostStore,
        metrics: new CoordinatorMetrics(),
        phiOf: (id) => detector.phiOf(id),
        outboxDepth: () => 0,
        outboxLagMs: () => 0,
        natsConnected: () => null,
        incidents,
        diagnoser,
        agentEvents,
        predictor: new Predictor({ clock, db, series: new SeriesStore(), sink: noSink }),
        tokens: [],
        now: () => clock.now(),
        readiness: () => ({ ready: true }),
        ...over,
      }, appOpts);
      return app;
    },
    async close() {
      await app?.close();
      registry.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
