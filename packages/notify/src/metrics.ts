import { createRequire } from 'node:module';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DispatchMetrics } from './dispatcher.js';

/** vigil-notify's Prometheus metrics; `/metrics` serves `registry`. */
export class NotifyMetrics implements DispatchMetrics {
  readonly registry = new Registry();
  private readonly deliveries = new Counter({ name: 'vigil_notify_deliveries_total', help: 'Deliveries by receiver, action (L1-L3, acknowledge, resolve) and outcome', labelNames: ['receiver', 'action', 'outcome'], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'vigil_notify_delivery_latency_seconds',
    help: 'From the event published to the receiver accepting it',
    labelNames: ['receiver'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly retries = new Counter({ name: 'vigil_notify_retries_total', help: 'Attempts that failed and were retried', labelNames: ['receiver'], registers: [this.registry] });
  private readonly deadLetters = new Counter({ name: 'vigil_notify_dead_letters_total', help: 'Deliveries that failed every attempt (published on vigil.v1.notify.failed.<receiver>)', labelNames: ['receiver'], registers: [this.registry] });
  private readonly repeats = new Counter({ name: 'vigil_notify_repeats_skipped_total', help: 'Events seen again whose delivery was already done (redelivery after a crash or a lost ack)', labelNames: ['receiver'], registers: [this.registry] });
  readonly pending = new Gauge({ name: 'vigil_notify_consumer_pending', help: 'Events in the stream not yet handed to vigil-notify (consumer lag)', registers: [this.registry] });
  readonly ackPending = new Gauge({ name: 'vigil_notify_consumer_ack_pending', help: 'Events handed out and not yet acknowledged', registers: [this.registry] });
  readonly natsConnected = new Gauge({ name: 'vigil_notify_nats_connected', help: '1 while connected to NATS', registers: [this.registry] });
  private readonly buildInfo = new Gauge({ name: 'vigil_notify_build_info', help: 'Always 1; the labels say which vigil-notify runs (package version, Node.js version)', labelNames: ['version', 'nodejs'], registers: [this.registry] });
  private readonly startTime = new Gauge({ name: 'vigil_notify_process_start_time_seconds', help: 'When the vigil-notify process started, in seconds since the Unix epoch', registers: [this.registry] });

  constructor(version: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version) {
    this.buildInfo.set({ version, nodejs: process.versions.node }, 1);
    this.startTime.set(Math.round(performance.timeOrigin) / 1000);
  }

  delivered(receiver: string, action: string, latencyMs: number): void {
    this.deliveries.inc({ receiver, action, outcome: 'delivered' });
    this.latency.observe({ receiver }, latencyMs / 1000);
  }
  failed(receiver: string, action: string): void {
    this.deliveries.inc({ receiver, action, outcome: 'failed' });
    this.deadLetters.inc({ receiver });
  }
  retried(receiver: string): void {
    this.retries.inc({ receiver });
  }
  repeated(receiver: string): void {
    this.repeats.inc({ receiver });
  }
}
