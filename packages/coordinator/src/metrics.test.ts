import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ValidAgentEvent } from '@vigil/shared';
import type { IncidentListener } from './incidents/incident-manager.js';
import type { Incident } from './incidents/types.js';
import { CoordinatorMetrics, type ScrapeReads } from './metrics.js';
import type { RegistryEvent } from './registry/types.js';

/** promtool's complaints about an exposition; '' when it has none. */
function promtoolCheck(text: string): string {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`.trim() + (r.status === 0 ? '' : ` (exit ${r.status})`);
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const reads = (over: Partial<ScrapeReads> = {}): ScrapeReads => ({
  connectedAgents: 2,
  hostsByState: { online: 2, suspect: 0, silent: 1, left: 0 },
  disconnectGrace: { agent: 1, minimum: 0, configured: 1 },
  outboxDepth: 4,
  outboxLagSeconds: 1.5,
  natsConnected: true,
  incidentsActive: [
    { state: 'open', class: 'server_hardware_issue', level: 1, count: 2 },
    { state: 'acknowledged', class: 'service_failure', level: 3, count: 1 },
  ],
  predictionsActive: { disk_exhaustion: 1, memory_exhaustion: 0 },
  ...over,
});

describe('coordinator metrics', () => {
  it('exposition - promtool check metrics finds nothing to say, before and after activity', async () => {
    const m = new CoordinatorMetrics('1.2.3');
    expect(promtoolCheck(await m.registry.metrics())).toBe('');
    m.refresh(reads());
    m.transition('online', 'silent');
    m.rejected.inc({ reason: 'bad_hello' });
    m.storeWrite.observe(0.002);
    const text = await m.registry.metrics();
    expect(promtoolCheck(text)).toBe('');
    // The check can fail: the old shapes are what promtool refused.
    expect(promtoolCheck('# HELP x_total cpu\n# TYPE x_total gauge\nx_total 1\n')).toMatch(/non-counter metrics should not have "_total" suffix/);
  });

  it('refresh - incidents by state, class and level, with zeros for the rest; predictions by rule; hosts by state', async () => {
    const m = new CoordinatorMetrics();
    m.refresh(reads());
    let text = await m.registry.metrics();
    expect(sample(text, 'vigil_incidents_active{state="open",class="server_hardware_issue",level="1"}')).toBe(2);
    expect(sample(text, 'vigil_incidents_active{state="acknowledged",class="service_failure",level="3"}')).toBe(1);
    expect(sample(text, 'vigil_incidents_active{state="open",class="network_issue",level="2"}')).toBe(0);
    expect(text.split('\n').filter((l) => l.startsWith('vigil_incidents_active{'))).toHaveLength(2 * 6 * 3);
    expect(sample(text, 'vigil_predictions_active{rule="disk_exhaustion"}')).toBe(1);
    expect(sample(text, 'vigil_hosts{state="silent"}')).toBe(1);
    expect(sample(text, 'vigil_connected_agents')).toBe(2);
    expect(sample(text, 'vigil_disconnect_grace_hosts{grace="agent"}')).toBe(1);
    expect(sample(text, 'vigil_disconnect_grace_hosts{grace="configured"}')).toBe(1);
    expect(sample(text, 'vigil_outbox_lag_seconds')).toBe(1.5);
    expect(sample(text, 'vigil_nats_connected')).toBe(1);

    // Resolved since: back to zero, not the stale count.
    m.refresh(reads({ incidentsActive: [], natsConnected: null }));
    text = await m.registry.metrics();
    expect(sample(text, 'vigil_incidents_active{state="open",class="server_hardware_issue",level="1"}')).toBe(0);
    // Without NATS: no sample, so "NATS disconnected" cannot fire.
    expect(sample(text, 'vigil_nats_connected')).toBeUndefined();
    expect(promtoolCheck(text)).toBe('');
  });

  it('read - a source that throws is counted and its series left out; the rest of the scrape is served', async () => {
    const m = new CoordinatorMetrics();
    m.refresh(reads());
    const incidents = m.read('incidents', () => {
      throw new Error('SQLITE_IOERR');
    });
    expect(incidents).toBeUndefined();
    expect(m.read('predictions', () => ({ disk_exhaustion: 2 }))).toEqual({ disk_exhaustion: 2 });
    m.refresh(reads({ incidentsActive: incidents, predictionsActive: { disk_exhaustion: 2 } }));
    const text = await m.registry.metrics();
    expect(text.split('\n').filter((l) => l.startsWith('vigil_incidents_active{'))).toEqual([]);
    expect(sample(text, 'vigil_scrape_read_failures_total{what="incidents"}')).toBe(1);
    expect(sample(text, 'vigil_scrape_read_failures_total{what="predictions"}')).toBe(0);
    expect(sample(text, 'vigil_predictions_active{rule="disk_exhaustion"}')).toBe(2);
    expect(sample(text, 'vigil_hosts{state="online"}')).toBe(2);
    expect(promtoolCheck(text)).toBe('');
  });

  it('follow - counts recoveries by outcome, incidents opened and escalations by the level entered', async () => {
    const m = new CoordinatorMetrics();
    let publish: (e: RegistryEvent) => void = () => {};
    let change: IncidentListener = () => {};
    m.follow({ registry: { subscribe: (fn) => (publish = fn) }, incidents: { onChange: (fn) => (change = fn) } });
    const event = (type: string) => ({ type: 'agent_event', hostId: 'web-1', event: { type } as unknown as ValidAgentEvent }) as RegistryEvent;
    for (const t of ['recovery_started', 'recovery_succeeded', 'recovery_succeeded', 'recovery_failed', 'recovery_exhausted', 'step_failed']) publish(event(t));
    const inc = (level: number) => ({ class: 'server_hardware_issue', level }) as Incident;
    change(inc(1), 'opened');
    change(inc(2), 'escalated');
    change(inc(3), 'escalated');
    change(inc(3), 'acknowledged');
    const text = await m.registry.metrics();
    expect(sample(text, 'vigil_service_recoveries_total{outcome="succeeded"}')).toBe(2);
    expect(sample(text, 'vigil_service_recoveries_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'vigil_service_recoveries_total{outcome="exhausted"}')).toBe(1);
    expect(sample(text, 'vigil_incidents_opened_total{class="server_hardware_issue"}')).toBe(1);
    expect(sample(text, 'vigil_incident_escalations_total{class="server_hardware_issue",level="2"}')).toBe(1);
    expect(sample(text, 'vigil_incident_escalations_total{class="server_hardware_issue",level="3"}')).toBe(1);
    expect(sample(text, 'vigil_incident_escalations_total{class="network_issue",level="2"}')).toBe(0);
  });

  it('process - build info, start time, a CPU counter that only grows and an event loop summary', async () => {
    const m = new CoordinatorMetrics('9.9.9');
    const first = await m.registry.metrics();
    expect(sample(first, `vigil_build_info{version="9.9.9",nodejs="${process.versions.node}"}`)).toBe(1);
    const start = sample(first, 'vigil_process_start_time_seconds')!;
    expect(Math.abs(start - performance.timeOrigin / 1000)).toBeLessThan(1);
    expect(start).toBeLessThanOrEqual(Date.now() / 1000);
    // Burn a little CPU once the delay timer runs, and let the loop tick: both must move.
    await new Promise((r) => setTimeout(r, 30));
    const until = performance.now() + 30;
    while (performance.now() < until);
    await new Promise((r) => setTimeout(r, 60));
    const second = await m.registry.metrics();
    expect(sample(second, 'vigil_process_cpu_seconds_total')!).toBeGreaterThan(sample(first, 'vigil_process_cpu_seconds_total')!);
    expect(second).toMatch(/^# TYPE vigil_process_eventloop_lag_seconds summary$/m);
    expect(sample(second, 'vigil_process_eventloop_lag_seconds_count')!).toBeGreaterThan(sample(first, 'vigil_process_eventloop_lag_seconds_count')!);
    // The 30 ms busy loop is a real delay, once the 10 ms timer period is taken off.
    expect(sample(second, 'vigil_process_eventloop_lag_seconds{quantile="1"}')!).toBeGreaterThanOrEqual(0.015);
    expect(promtoolCheck(second)).toBe('');
  });
});
