import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HostState } from './registry/types.js';

/** Everything the coordinator exports on /metrics, on a registry of its own. */
export class CoordinatorMetrics {
  readonly registry = new Registry();
  readonly connectedAgents = new Gauge({ name: 'vigil_connected_agents', help: 'Agents with a live stream', registers: [this.registry] });
  readonly hosts = new Gauge({ name: 'vigil_hosts', help: 'Known hosts by state', labelNames: ['state'], registers: [this.registry] });
  readonly heartbeats = new Counter({ name: 'vigil_heartbeats_received_total', help: 'Heartbeats received', registers: [this.registry] });
  readonly transitions = new Counter({
    name: 'vigil_host_state_transitions_total',
    help: 'Host state transitions',
    labelNames: ['from', 'to'],
    registers: [this.registry],
  });
  readonly rejected = new Counter({ name: 'vigil_agent_messages_rejected_total', help: 'Agent streams refused, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly outboxDepth = new Gauge({ name: 'vigil_outbox_depth', help: 'Events waiting to be published', registers: [this.registry] });
  readonly outboxLag = new Gauge({ name: 'vigil_outbox_lag_seconds', help: 'Age of the oldest unpublished event', registers: [this.registry] });
  readonly published = new Counter({ name: 'vigil_events_published_total', help: 'Events acknowledged by JetStream', registers: [this.registry] });
  readonly publishDuplicates = new Counter({ name: 'vigil_events_duplicate_total', help: 'Re-published events JetStream dropped as duplicates', registers: [this.registry] });
  readonly publishFailures = new Counter({ name: 'vigil_event_publish_failures_total', help: 'Failed publish batches (retried)', registers: [this.registry] });
  readonly natsConnected = new Gauge({ name: 'vigil_nats_connected', help: '1 when connected to NATS', registers: [this.registry] });
  readonly storeWrite = new Histogram({
    name: 'vigil_store_heartbeat_batch_seconds',
    help: 'Time to commit one batch of heartbeats',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'vigil_process_' });
  }

  transition(from: HostState | null, to: HostState): void {
    this.transitions.inc({ from: from ?? 'none', to });
  }
}
