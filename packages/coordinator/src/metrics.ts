import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PROBLEM_CLASSES } from '@vigil/shared';
import type { IncidentListener } from './incidents/incident-manager.js';
import { EventLoopSummary } from './metrics/event-loop-summary.js';
import type { HostState, RegistryEvent } from './registry/types.js';
import type { DiagnosisLoad } from './response/diagnosis-queue.js';
import { VERSION } from './version.js';

/** Agent events that end a recovery, and the outcome each is counted under. */
const RECOVERY_OUTCOMES = { recovery_succeeded: 'succeeded', recovery_failed: 'failed', recovery_exhausted: 'exhausted' } as const;

/** Active incidents of one (state, class, level), as the store counts them. */
export interface IncidentCount {
  state: string;
  class: string;
  level: number;
  count: number;
}

/** What /metrics reads from the rest of the coordinator at each scrape. */
export interface ScrapeReads {
  connectedAgents: number;
  hostsByState: Readonly<Record<string, number>>;
  outboxDepth: number;
  outboxLagSeconds: number;
  /** null when the coordinator runs without NATS. */
  natsConnected: boolean | null;
  /** Connected hosts by the disconnect grace a broken stream would get now. */
  disconnectGrace: Readonly<Record<string, number>>;
  /** undefined when the store could not be read: the series are left out, not stale. */
  incidentsActive: readonly IncidentCount[] | undefined;
  /** Every rule the predictor runs, with 0 when none of its predictions is active. */
  predictionsActive: Readonly<Record<string, number>> | undefined;
}

/** Everything the coordinator exports on /metrics, on a registry of its own. */
export class CoordinatorMetrics {
  readonly registry = new Registry();
  readonly connectedAgents = new Gauge({ name: 'vigil_connected_agents', help: 'Agents with a live stream', registers: [this.registry] });
  readonly hosts = new Gauge({ name: 'vigil_hosts', help: 'Known hosts by state', labelNames: ['state'], registers: [this.registry] });
  readonly disconnectGrace = new Gauge({
    name: 'vigil_disconnect_grace_hosts',
    help: 'Connected hosts by the grace a stream broken now would get before silent: agent (what its agent needs to be back, under disconnectGrace), minimum (minDisconnectGrace), configured (disconnectGrace)',
    labelNames: ['grace'],
    registers: [this.registry],
  });
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

  /**
   * Process figures of constant cost. prom-client's default collectors list every open
   * handle and descriptor on each scrape, which blocks the loop for tens of ms with
   * thousands of agent connections.
   */
  readonly eventLoopLag = new EventLoopSummary(this.registry, 'vigil_process_eventloop_lag_seconds', 'Event loop delay: quantiles since the previous scrape (1 is the maximum), sum and count since the start');
  private cpuCounted = 0;
  readonly cpuSeconds = new Counter({
    name: 'vigil_process_cpu_seconds_total',
    help: 'User and system CPU time of the coordinator process',
    registers: [this.registry],
    collect: () => {
      const u = process.cpuUsage();
      const total = (u.user + u.system) / 1e6;
      // A counter only goes up: add what was used since the previous scrape.
      if (total > this.cpuCounted) this.cpuSeconds.inc(total - this.cpuCounted);
      this.cpuCounted = Math.max(this.cpuCounted, total);
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
  /** Read at scrape time; none until the agents' server takes datagrams. */
  private datagramCounts: () => Readonly<Record<string, number>> | undefined = () => undefined;
  private readonly datagramsCounted = new Map<string, number>();
  readonly livenessDatagrams = new Counter({
    name: 'vigil_liveness_datagrams_total',
    help: 'Liveness datagrams by outcome: accepted, or why refused (size, magic, version, slot, mac, replay)',
    labelNames: ['outcome'],
    registers: [this.registry],
    collect: () => {
      // The receiver thread counts; a counter only goes up, so add what it counted since.
      for (const [outcome, total] of Object.entries(this.datagramCounts() ?? {})) {
        const before = this.datagramsCounted.get(outcome) ?? 0;
        if (total > before) this.livenessDatagrams.inc({ outcome }, total - before);
        this.datagramsCounted.set(outcome, Math.max(before, total));
      }
    },
  });
  readonly startTime = new Gauge({ name: 'vigil_process_start_time_seconds', help: 'When the coordinator process started, in seconds since the Unix epoch', registers: [this.registry] });
  readonly buildInfo = new Gauge({ name: 'vigil_build_info', help: 'Always 1; the labels say which coordinator runs (package version, Node.js version)', labelNames: ['version', 'nodejs'], registers: [this.registry] });

  /** Read at scrape time from the incident store (refresh()). */
  readonly incidentsActive = new Gauge({
    name: 'vigil_incidents_active',
    help: 'Incidents not yet resolved, by state (open, acknowledged), class and level',
    labelNames: ['state', 'class', 'level'],
    registers: [this.registry],
  });
  /** Incidents opened and escalated, and service recoveries: counted as they happen (follow()). */
  readonly incidentsOpened = new Counter({ name: 'vigil_incidents_opened_total', help: 'Incidents opened, by class', labelNames: ['class'], registers: [this.registry] });
  readonly escalations = new Counter({
    name: 'vigil_incident_escalations_total',
    help: 'Incidents that moved up a level, by class and the level entered (2 or 3)',
    labelNames: ['class', 'level'],
    registers: [this.registry],
  });
  readonly recoveries = new Counter({
    name: 'vigil_service_recoveries_total',
    help: 'Service recoveries reported by agents, by outcome (succeeded, failed, exhausted: the restart budget is spent or a restart cannot help)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly readFailures = new Counter({
    name: 'vigil_scrape_read_failures_total',
    help: 'Reads for /metrics that failed (their series are left out of that scrape), by what was read',
    labelNames: ['what'],
    registers: [this.registry],
  });
  readonly predictionsActive = new Gauge({ name: 'vigil_predictions_active', help: 'Active predictions, by rule', labelNames: ['rule'], registers: [this.registry] });

  constructor(version = VERSION) {
    this.startTime.set(Math.round(performance.timeOrigin) / 1000);
    this.buildInfo.set({ version, nodejs: process.versions.node }, 1);
    for (const cls of PROBLEM_CLASSES) {
      this.incidentsOpened.inc({ class: cls }, 0);
      for (const level of ['2', '3']) this.escalations.inc({ class: cls, level }, 0);
    }
    for (const outcome of Object.values(RECOVERY_OUTCOMES)) this.recoveries.inc({ outcome }, 0);
    for (const what of ['incidents', 'predictions']) this.readFailures.inc({ what }, 0);
  }

  /**
   * Sets the gauges that mirror state kept elsewhere; called at each scrape. Every
   * (state, class, level) of incidents is exported, zero when none, so a panel or alert
   * sees 0 rather than no data; rules come from the predictor with their zeros.
   */
  refresh(now: ScrapeReads): void {
    this.connectedAgents.set(now.connectedAgents);
    for (const [state, n] of Object.entries(now.hostsByState)) this.hosts.set({ state }, n);
    for (const [grace, n] of Object.entries(now.disconnectGrace)) this.disconnectGrace.set({ grace }, n);
    this.outboxDepth.set(now.outboxDepth);
    this.outboxLag.set(now.outboxLagSeconds);
    // Without NATS there is no connection to lose: no sample, so no alert fires on it.
    if (now.natsConnected === null) this.natsConnected.remove({});
    else this.natsConnected.set(now.natsConnected ? 1 : 0);
    this.incidentsActive.reset();
    if (now.incidentsActive) {
      for (const state of ['open', 'acknowledged']) {
        for (const cls of PROBLEM_CLASSES) for (const level of ['1', '2', '3']) this.incidentsActive.set({ state, class: cls, level }, 0);
      }
      for (const c of now.incidentsActive) this.incidentsActive.set({ state: c.state, class: c.class, level: String(c.level) }, c.count);
    }
    this.predictionsActive.reset();
    for (const [rule, n] of Object.entries(now.predictionsActive ?? {})) this.predictionsActive.set({ rule }, n);
  }

  /**
   * Runs one read for a scrape; a read that throws is counted and gives undefined, so one
   * failing source never fails the whole scrape (node_exporter's rule).
   */
  read<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch {
      this.readFailures.inc({ what });
      return undefined;
    }
  }

  /** Counts incidents opened and escalated, and recoveries, as the coordinator's parts report them. */
  follow(parts: { registry: { subscribe(fn: (e: RegistryEvent) => void): void }; incidents: { onChange(fn: IncidentListener): void } }): void {
    parts.registry.subscribe((e) => {
      if (e.type !== 'agent_event') return;
      if (Object.hasOwn(RECOVERY_OUTCOMES, e.event.type)) this.recoveries.inc({ outcome: RECOVERY_OUTCOMES[e.event.type as keyof typeof RECOVERY_OUTCOMES] });
    });
    parts.incidents.onChange((i, event) => {
      if (event === 'opened') this.incidentsOpened.inc({ class: i.class });
      else if (event === 'escalated') this.escalations.inc({ class: i.class, level: String(i.level) });
    });
  }

  /** Where the diagnosis gauges read from. */
  readDiagnoses(load: () => DiagnosisLoad): void {
    this.diagnosisLoad = load;
  }

  /** The liveness datagram receiver's counters, read at each scrape. */
  readDatagrams(counts: () => Readonly<Record<string, number>> | undefined): void {
    this.datagramCounts = counts;
  }

  transition(from: HostState | null, to: HostState): void {
    this.transitions.inc({ from: from ?? 'none', to });
  }

  eventsLost(source: 'sequence' | 'agent'): void {
    this.eventGaps.inc({ source });
  }
}
