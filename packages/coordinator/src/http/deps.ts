import type { HostRegistry } from '../registry/host-registry.js';
import type { HostStore } from '../store/host-store.js';
import type { CoordinatorMetrics } from '../metrics.js';
import type { Diagnoser } from '../diagnosis/diagnoser.js';
import type { IncidentManager } from '../incidents/incident-manager.js';
import type { AgentEventStore } from '../store/agent-event-store.js';
import type { TokenEntry } from './auth.js';
import type { Predictor, SeriesStore } from '../predictions/index.js';
import type { AgentChannels } from '../grpc/agent-channels.js';
import type { ReadinessReport } from '../readiness.js';
import type { StoreWriteGuard } from '../store/write-guard.js';
import type { EventFeed } from '../outbox/event-feed.js';

/** What the HTTP API reads; built by the coordinator, or by a test with real parts. */
export interface ApiDeps {
  coordinatorId: string;
  version: string;
  startedAt: number;
  registry: HostRegistry;
  hostStore: HostStore;
  metrics: CoordinatorMetrics;
  phiOf: (hostId: string) => number | undefined;
  outboxDepth: () => number;
  outboxLagMs: () => number;
  /** null when the coordinator runs without NATS. */
  natsConnected: () => boolean | null;
  incidents: IncidentManager;
  diagnoser: Diagnoser;
  agentEvents: AgentEventStore;
  predictor: Predictor;
  /** The predictions' series, for `GET /v1/hosts/{id}/series`; without it that route answers 503. */
  series?: SeriesStore;
  tokens: readonly TokenEntry[];
  now: () => number;
  /** Host label that names a host's zone, for `GET /v1/hosts?zone=`. @default zone */
  zoneLabel?: string;
  /** Whether the store writes and events get published, for `GET /readyz`. */
  readiness: () => ReadinessReport;
  /**
   * The coordinator's store write guard: routes write through it (503 while the store
   * cannot write), `/healthz` reads why it is degraded. @default writes directly
   */
  storeGuard?: StoreWriteGuard;
  /** The outbox as a stream for `GET /v1/events`; without it that route answers 503. */
  eventFeed?: EventFeed;
  /** The agents' live streams, for operator actions forwarded to them; without it those routes answer 503. */
  channels?: AgentChannels;
}

/** Runs a route's write through the store guard: a full disk answers 503 naming the store's condition. */
export function storeWrite<T>(deps: ApiDeps, what: string, write: () => T): T {
  return deps.storeGuard ? deps.storeGuard.run(what, write) : write();
}
