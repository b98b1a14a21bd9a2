import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HostState } from './registry/types.js';
import type { DiagnosisLoad } from './response/diagnosis-queue.js';

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
  readonly rejected = new Counter({ name: 'vigil_agent_messages_rejected_total', help: 'Agent streams refused, and single agent events refused (reason event_invalid), by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly eventGaps = new Counter({
    name: 'vigil_agent_event_gaps_total',
    help: 'Agent events lost: gaps noticed in a host event sequence (source sequence) and event_lost markers from damaged agent journals (source agent)',
    labelNames: ['source'],
    registers: [this.registry],
  });
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
  readonly storeWriteFailures = new Counter({
    name: 'vigil_store_write_failures_total',
    help: 'Store writes refused by the store (disk full, I/O error, read-only), by what was written',
    labelNames: ['what'],
    registers: [this.registry],
  });
  readonly storeDegraded = new Gauge({ name: 'vigil_store_degraded', help: '1 while the store cannot write and changes are kept in memory for catch-up', registers: [this.registry] });
  readonly storeCaughtUp = new Counter({ name: 'vigil_store_caught_up_writes_total', help: 'Kept writes written once the store took writes again', registers: [this.registry] });

  /** Read at scrape time; zero until the responder is wired in. */
  private diagnosisLoad: () => DiagnosisLoad = () => ({ running: 0, queued: 0, oldestWaitMs: 0 });
  readonly diagnosesRunning = new Gauge({
    name: 'vigil_diagnoses_running',
    help: 'Diagnoses of silent hosts under way (at most diagnosisConcurrency)',
    registers: [this.registry],
    collect: () => {
      this.diagnosesRunning.set(this.diagnosisLoad().running);
    },
  });
  readonly diagnosisQueueDepth = new Gauge({
    name: 'vigil_diagnosis_queue_depth',
    help: 'Silent hosts waiting for a diagnosis slot',
    registers: [this.registry],
    collect: () => {
      this.diagnosisQueueDepth.set(this.diagnosisLoad().queued);
    },
  });
  readonly diagnosisQueueWait = new Gauge({
    name: 'vigil_diagnosis_queue_oldest_seconds',
    help: 'How long the host at the head of the diagnosis queue has waited',
    registers: [this.registry],
    collect: () => {
      this.diagnosisQueueWait.set(this.diagnosisLoad().oldestWaitMs / 1000);
    },
  });

  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  /**
   * Process figures of constant cost. prom-client's default collectors list every open
   * handle and descriptor on each scrape, which blocks the loop for tens of ms with
   * thousands of agent connections.
   */
  readonly eventLoopLag = new Gauge({
    name: 'vigil_process_eventloop_lag_seconds',
    help: 'Event loop delay since the previous scrape, by quantile',
    labelNames: ['quantile'],
    registers: [this.registry],
    collect: () => {
      const h = this.loopDelay;
      for (const [q, v] of [['0.5', h.percentile(50)], ['0.99', h.percentile(99)], ['1', h.max]] as const) this.eventLoopLag.set({ quantile: q }, v / 1e9);
      h.reset();
    },
  });
  readonly cpuSeconds = new Gauge({
    name: 'vigil_process_cpu_seconds_total',
    help: 'User and system CPU time of the coordinator process',
    registers: [this.registry],
    collect: () => {
      const u = process.cpuUsage();
      this.cpuSeconds.set((u.user + u.system) / 1e6);
    },
  });
  readonly memory = new Gauge({
    name: 'vigil_process_memory_bytes',
    help: 'Resident set size and V8 heap of the coordinator process',
    labelNames: ['kind'],
    registers: [this.registry],
    collect: () => {
      const m = process.memoryUsage();
      this.memory.set({ kind: 'rss' }, m.rss);
      this.memory.set({ kind: 'heap_used' }, m.heapUsed);
      this.memory.set({ kind: 'heap_total' }, m.heapTotal);
      this.memory.set({ kind: 'external' }, m.external);
    },
  });

  constructor() {
    this.loopDelay.enable();
  }

  /** Where the diagnosis gauges read from. */
  readDiagnoses(load: () => DiagnosisLoad): void {
    this.diagnosisLoad = load;
  }

  transition(from: HostState | null, to: HostState): void {
    this.transitions.inc({ from: from ?? 'none', to });
  }

  eventsLost(source: 'sequence' | 'agent'): void {
    this.eventGaps.inc({ source });
  }
}
