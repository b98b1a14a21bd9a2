import type { HostRegistry } from '../registry/host-registry.js';
import type { HostStore } from '../store/host-store.js';
import type { CoordinatorMetrics } from '../metrics.js';
import type { Diagnoser } from '../diagnosis/diagnoser.js';
import type { IncidentManager } from '../incidents/incident-manager.js';
import type { AgentEventStore } from '../store/agent-event-store.js';
import type { TokenEntry } from './auth.js';
import type { Predictor } from '../predictions/index.js';
import type { AgentChannels } from '../grpc/agent-channels.js';
import type { ReadinessReport } from '../readiness.js';

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
  tokens: readonly TokenEntry[];
  now: () => number;
  /** Host label that names a host's zone, for `GET /v1/hosts?zone=`. @default zone */
  zoneLabel?: string;
  /** Whether the store writes and events get published, for `GET /readyz`. */
  readiness: () => ReadinessReport;
  /** Why the store cannot write (disk full), or undefined while it can: `/healthz` says degraded. */
  storeDegraded?: () => string | undefined;
  /** Told of a store refusal that reached a route, so it counts towards the degraded state. */
  storeRefused?: (err: Error, what: string) => void;
  /** The agents' live streams, for operator actions forwarded to them; without it those routes answer 503. */
  channels?: AgentChannels;
}
