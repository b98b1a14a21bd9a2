import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CLASSES } from '@vigil/shared';
import { startAgent, type Agent } from '../helpers/agent.js';
import { ApiClient } from '../helpers/api-client.js';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { getJson, getRaw, hostStates } from '../helpers/http.js';
import { NatsServer } from '../helpers/nats-server.js';
import { NotifyProcess } from '../helpers/notify.js';
import { RecordingReceiver } from '../helpers/notify-receivers.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { parseSamples, promqlMetricNames, exposedNames, samplesOf } from '../helpers/prom-text.js';
import { checkMetrics, promtool } from '../helpers/promtool.js';
import { fixture, getIncident, killServiceLeftovers, listIncidents, startServiceAgent, type ServiceAgent } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * /metrics of a real coordinator after real activity (agents online, one killed and
 * silent, a service recovered, another that cannot be and whose incident climbs to level
 * 3, an incident acknowledged), and of a real vigil-notify: promtool finds nothing to say,
 * and the series say what the API says. The Grafana dashboard reads only what is there.
 */

const ESCALATE = '2s';
const COORDINATOR_DASHBOARD = fileURLToPath(new URL('../../deploy/grafana/vigil-coordinator.json', import.meta.url));
const NOTIFY_DASHBOARD = fileURLToPath(new URL('../../deploy/grafana/vigil-notify.json', import.meta.url));
const METRICS_DOC = fileURLToPath(new URL('../../docs/metrics.md', import.meta.url));

let nats: NatsServer;
let coordinator: Coordinator;
let notify: NotifyProcess;
let hook: RecordingReceiver;
let steady: Agent;
let doomed: Agent;
let svc: ServiceAgent;
let webPort: number;
let startedAt: number;

const scrape = async (): Promise<string> => {
  const r = await getRaw(`${coordinator.baseUrl}/metrics`);
  expect(r.status).toBe(200);
  return r.body;
};
const value = (text: string, series: string) => parseSamples(text).get(series);
/** Non-zero samples of a metric as `label=value,…` → value. */
const nonZero = (text: string, name: string, keys: string[]) =>
  Object.fromEntries(samplesOf(text, name).filter((s) => s.value !== 0).map((s) => [keys.map((k) => `${k}=${s.labels[k]}`).join(','), s.value]));
const countBy = <T>(xs: T[], key: (x: T) => string) => xs.reduce<Record<string, number>>((acc, x) => ((acc[key(x)] = (acc[key(x)] ?? 0) + 1), acc), {});

/**
 * A Grafana dashboard is valid JSON, every query parses (promtool checks them as recording
 * rules, Grafana's variables filled in) and names only metrics of `exposition` (or
 * Prometheus' own `up`), its instance variable included. Returns the metric names it reads.
 */
async function checkDashboard(file: string, exposition: string): Promise<Set<string>> {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
    templating: { list: { name: string; definition?: string }[] };
  };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
  expect(exprs.length).toBeGreaterThanOrEqual(10);
  const variable = dashboard.templating.list.find((v) => v.name === 'instance')!.definition!;
  const labelValues = /^label_values\((\w+), *instance\)$/.exec(variable);
  expect(labelValues, variable).not.toBeNull();

  const dir = tempDir('dashboard-rules');
  const rules = exprs.map((e, i) => `      - record: dashboard:panel_${i}\n        expr: ${JSON.stringify(e.expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*'))}`);
  writeFileSync(join(dir, 'dashboard.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
  const checked = await promtool(['check', 'rules', 'dashboard.yml'], { cwd: dir });
  expect(checked.status, checked.output).toBe(0);

  const exposed = exposedNames(exposition);
  const prometheusOwn = new Set(['up']);
  const reads = [...exprs.flatMap((e) => promqlMetricNames(e.expr).map((name) => ({ ...e, name }))), { panel: 'variable instance', expr: variable, name: labelValues![1]! }];
  expect(reads.filter((x) => !exposed.has(x.name) && !prometheusOwn.has(x.name))).toEqual([]);
  return new Set(reads.map((r) => r.name));
}

beforeAll(async () => {
  nats = await NatsServer.start();
  hook = await RecordingReceiver.start();
  const dir = tempDir('metrics-e2e');
  const config = join(dir, 'coordinator.yaml');
  writeFileSync(config, `${JSON.stringify({ incidentTick: '100ms', escalation: Object.fromEntries(PROBLEM_CLASSES.map((c) => [c, ESCALATE])) })}\n`);
  startedAt = Date.now();
  coordinator = await Coordinator.start({ nats: nats.url, id: 'coord-metrics', logLevel: 'warn', extraArgs: ['--config', config] });
  notify = NotifyProcess.start(`nats:
  servers: [${nats.url}]
listen: 127.0.0.1:0
receivers:
  - name: hook
    type: webhook
    url: ${hook.url('/hook')}
route:
  receiver: hook
`);
  await waitFor(() => notify.logLines(/created the durable consumer/).length > 0, { timeoutMs: 15_000, what: "vigil-notify's durable consumer", observe: () => notify.child.output() });
  steady = startAgent({ coordinator: coordinator.grpcTarget, hostId: 'steady-1', logLevel: 'warn' });
  doomed = startAgent({ coordinator: coordinator.grpcTarget, hostId: 'doomed-1', logLevel: 'warn' });
  webPort = await freePort();
  svc = startServiceAgent(coordinator.baseUrl, {
    coordinator: coordinator.grpcTarget,
    hostId: 'svc-1',
    logLevel: 'warn',
    services: [
      {
        name: 'web',
        manager: 'process',
        command: [process.execPath, fixture.httpServer],
        env: { PORT: String(webPort) },
        checks: [{ type: 'http', url: `http://127.0.0.1:${webPort}/`, timeout: '1s' }],
        recovery: { watchAfterRestart: '300ms', stableAfterStart: '200ms', monitorEvery: '300ms', monitorFor: '1s' },
      },
      {
        name: 'broken',
        manager: 'process',
        command: [process.execPath, '-e', 'process.exit(3)'],
        recovery: { budget: { max: 1, window: '10m' }, watchAfterRestart: '300ms', stableAfterStart: '200ms', monitorEvery: '300ms', monitorFor: '1s' },
      },
    ],
  });
  await waitFor(async () => {
    const s = await hostStates(coordinator.baseUrl);
    return s['steady-1'] === 'online' && s['doomed-1'] === 'online' && s['svc-1'] === 'online';
  }, { timeoutMs: 15_000, what: 'three hosts online', observe: () => hostStates(coordinator.baseUrl) });
}, 60_000);

afterAll(async () => {
  await stopAllChildren(5000);
  killServiceLeftovers();
  await hook?.close();
  await nats?.dispose();
  removeTempDirs();
});

describe('metrics - promtool and real activity', () => {
  dumpLogsOnFailure();

  it('coordinator - after agents online, one killed (silent), a recovery and an incident at level 3 (one acknowledged): promtool is silent and the series match the API', async () => {
    // A recovery that succeeds: the web service's process killed.
    const web = await svc.waitHealthy('web');
    process.kill(web.pids[0]!, 'SIGKILL');
    await svc.waitEvents('web', (es) => es.some((e) => e.type === 'recovery_succeeded'), 'web recovered', 20_000);
    // A host that goes silent, and the incident it gets, acknowledged by an operator.
    await doomed.kill();
    const hostIncident = await waitFor(async () => (await listIncidents(coordinator.baseUrl, 'host=doomed-1')).find((i) => i.hostId === 'doomed-1' && i.state === 'open'), {
      timeoutMs: 20_000,
      what: 'an incident for doomed-1',
      observe: () => listIncidents(coordinator.baseUrl),
    });
    const ack = await new ApiClient(coordinator.baseUrl).request('POST', `/v1/incidents/${hostIncident.id}/ack`, { body: { comment: 'looking' } });
    expect(ack.status).toBe(200);
    // The broken service: recovery fails, its incident climbs to level 3.
    await waitFor(async () => (await listIncidents(coordinator.baseUrl, 'host=svc-1')).find((i) => i.service === 'broken' && i.level === 3), {
      timeoutMs: 30_000,
      what: "the broken service's incident at level 3",
      observe: () => listIncidents(coordinator.baseUrl),
    });

    const text = await scrape();
    expect(await checkMetrics(text)).toBe('');

    // Hosts by state and connected agents, as GET /v1/hosts has them (polled: both move).
    await waitFor(async () => {
      const states = Object.values(await hostStates(coordinator.baseUrl));
      const t = await scrape();
      const want = countBy(states, (s) => `state=${s}`);
      return JSON.stringify(nonZero(t, 'vigil_hosts', ['state'])) === JSON.stringify(Object.fromEntries(Object.entries(want).sort())) ? t : undefined;
    }, { timeoutMs: 5000, what: 'vigil_hosts as the API counts hosts', observe: async () => ({ api: await hostStates(coordinator.baseUrl), metrics: nonZero(await scrape(), 'vigil_hosts', ['state']) }) });
    const now = await scrape();
    expect(value(now, 'vigil_hosts{state="online"}')).toBe(2);
    expect(value(now, 'vigil_hosts{state="silent"}')).toBe(1);
    expect(value(now, 'vigil_connected_agents')).toBe(2);
    expect(value(now, 'vigil_nats_connected')).toBe(1);

    // Active incidents by state, class and level: exactly the API's unresolved ones.
    const incidentsAgree = async () => {
      const active = (await listIncidents(coordinator.baseUrl)).filter((i) => i.state !== 'resolved');
      const t = await scrape();
      const want = countBy(active, (i) => `state=${i.state},class=${i.class},level=${i.level}`);
      const got = nonZero(t, 'vigil_incidents_active', ['state', 'class', 'level']);
      return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort()) ? { t, active } : undefined;
    };
    const { t: withIncidents } = await waitFor(incidentsAgree, { timeoutMs: 5000, what: 'vigil_incidents_active as the API lists incidents', observe: async () => nonZero(await scrape(), 'vigil_incidents_active', ['state', 'class', 'level']) });
    const acked = await getIncident(coordinator.baseUrl, hostIncident.id);
    expect(value(withIncidents, `vigil_incidents_active{state="acknowledged",class="${acked.class}",level="${acked.level}"}`)).toBeGreaterThanOrEqual(1);
    expect(value(withIncidents, 'vigil_incidents_active{state="open",class="service_failure",level="3"}')).toBeGreaterThanOrEqual(1);

    // Escalations: one per "escalated" entry on the incidents' timelines, by class and level entered.
    await waitFor(async () => {
      const all = await listIncidents(coordinator.baseUrl);
      const entries = (await Promise.all(all.map((i) => getIncident(coordinator.baseUrl, i.id)))).flatMap((i) =>
        i.timeline.filter((e) => e.kind === 'escalated').map((e) => `class=${i.class},level=${(e.data as { level: number }).level}`),
      );
      const t = await scrape();
      const got = nonZero(t, 'vigil_incident_escalations_total', ['class', 'level']);
      const opened = nonZero(t, 'vigil_incidents_opened_total', ['class']);
      return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(countBy(entries, (e) => e)).sort()) &&
        JSON.stringify(Object.entries(opened).sort()) === JSON.stringify(Object.entries(countBy(all, (i) => `class=${i.class}`)).sort());
    }, { timeoutMs: 8000, what: 'escalations and incidents opened as the timelines have them', observe: async () => ({ metrics: nonZero(await scrape(), 'vigil_incident_escalations_total', ['class', 'level']), incidents: await listIncidents(coordinator.baseUrl) }) });
    const esc = await scrape();
    expect(value(esc, 'vigil_incident_escalations_total{class="service_failure",level="2"}')).toBeGreaterThanOrEqual(1);
    expect(value(esc, 'vigil_incident_escalations_total{class="service_failure",level="3"}')).toBeGreaterThanOrEqual(1);

    // Recoveries by outcome: as many as the agent's events the coordinator stored.
    const outcomes = { recovery_succeeded: 'succeeded', recovery_failed: 'failed', recovery_exhausted: 'exhausted' } as const;
    await waitFor(async () => {
      const events = (await svc.events()).filter((e) => e.type in outcomes);
      const t = await scrape();
      const want = countBy(events, (e) => `outcome=${outcomes[e.type as keyof typeof outcomes]}`);
      return JSON.stringify(Object.entries(nonZero(t, 'vigil_service_recoveries_total', ['outcome'])).sort()) === JSON.stringify(Object.entries(want).sort());
    }, { timeoutMs: 8000, what: 'recoveries by outcome as the agent reported them', observe: async () => ({ metrics: nonZero(await scrape(), 'vigil_service_recoveries_total', ['outcome']), events: (await svc.events()).map((e) => e.type) }) });
    const rec = await scrape();
    expect(value(rec, 'vigil_service_recoveries_total{outcome="succeeded"}')).toBeGreaterThanOrEqual(1);
    expect((value(rec, 'vigil_service_recoveries_total{outcome="failed"}') ?? 0) + (value(rec, 'vigil_service_recoveries_total{outcome="exhausted"}') ?? 0)).toBeGreaterThanOrEqual(1);

    // Predictions: one series per rule, counting what the API lists as active.
    const activePredictions = (await getJson<{ predictions: { rule: string }[] }>(`${coordinator.baseUrl}/v1/predictions?state=active`)).predictions;
    const rules = samplesOf(rec, 'vigil_predictions_active');
    expect(rules.length).toBeGreaterThanOrEqual(4);
    expect(rules.reduce((s, r) => s + r.value, 0)).toBe(activePredictions.length);

    // Which build runs, and since when.
    const health = await getJson<{ version: string }>(`${coordinator.baseUrl}/healthz`);
    expect(value(rec, `vigil_build_info{version="${health.version}",nodejs="${process.versions.node}"}`)).toBe(1);
    const start = value(rec, 'vigil_process_start_time_seconds')!;
    expect(start * 1000).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(start * 1000).toBeLessThanOrEqual(Date.now());
    expect(await checkMetrics(rec)).toBe('');
  }, 120_000);

  it('vigil-notify - its /metrics passes promtool after real deliveries', async () => {
    const port = await waitFor(() => /"metricsPort":(\d+)/.exec(notify.child.stdout.text())?.[1], { what: "vigil-notify's metrics port", observe: () => notify.child.output() });
    await waitFor(() => hook.accepted().length > 0, { timeoutMs: 15_000, what: 'a delivery to the webhook', observe: () => notify.child.output() });
    const text = await waitFor(async () => {
      const t = (await getRaw(`http://127.0.0.1:${port}/metrics`)).body;
      return samplesOf(t, 'vigil_notify_deliveries_total').some((s) => s.labels.receiver === 'hook' && s.labels.outcome === 'delivered' && s.value > 0) ? t : undefined;
    }, { timeoutMs: 10_000, what: 'deliveries counted' });
    expect(await checkMetrics(text)).toBe('');
    expect(value(text, 'vigil_notify_nats_connected')).toBe(1);
    const version = (JSON.parse(readFileSync(fileURLToPath(new URL('../../packages/notify/package.json', import.meta.url)), 'utf8')) as { version: string }).version;
    expect(value(text, `vigil_notify_build_info{version="${version}",nodejs="${process.versions.node}"}`)).toBe(1);
    expect(value(text, 'vigil_notify_process_start_time_seconds')! * 1000).toBeGreaterThanOrEqual(startedAt);
  });

  it('grafana - the coordinator dashboard is valid JSON, its PromQL parses, and it reads only metrics the coordinator exposes', async () => {
    // The extractor finds a name that is not there (so the check can fail).
    expect(promqlMetricNames('sum by (state) (rate(vigil_no_such_metric{instance=~"$instance"}[5m])) / 1e9')).toEqual(['vigil_no_such_metric']);
    const used = await checkDashboard(COORDINATOR_DASHBOARD, await scrape());
    for (const m of ['vigil_hosts', 'vigil_incidents_active', 'vigil_incident_escalations_total', 'vigil_service_recoveries_total', 'vigil_predictions_active', 'vigil_build_info', 'vigil_process_start_time_seconds']) {
      expect(used.has(m), m).toBe(true);
    }
  });

  it('grafana - the vigil-notify dashboard reads only metrics vigil-notify exposes', async () => {
    const port = /"metricsPort":(\d+)/.exec(notify.child.stdout.text())![1];
    const used = await checkDashboard(NOTIFY_DASHBOARD, (await getRaw(`http://127.0.0.1:${port}/metrics`)).body);
    for (const m of ['vigil_notify_deliveries_total', 'vigil_notify_dead_letters_total', 'vigil_notify_consumer_pending', 'vigil_notify_build_info']) expect(used.has(m), m).toBe(true);
  });

  it('docs - docs/metrics.md lists every metric of both programs with its type, and nothing else', async () => {
    const port = /"metricsPort":(\d+)/.exec(notify.child.stdout.text())![1];
    const texts = [await scrape(), (await getRaw(`http://127.0.0.1:${port}/metrics`)).body];
    const declared = new Map(texts.flatMap((t) => [...t.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((m) => [m[1]!, m[2]!] as const)));
    const documented = new Map([...readFileSync(METRICS_DOC, 'utf8').matchAll(/^\| `(vigil_\w+)` \| (\w+) \|/gm)].map((m) => [m[1]!, m[2]!] as const));
    expect(Object.fromEntries([...documented].sort())).toEqual(Object.fromEntries([...declared].sort()));
  });

  it('nats - a coordinator that loses NATS says so (the input of VigilNatsDisconnected)', async () => {
    await nats.stop(2000);
    const text = await waitFor(async () => {
      const t = await scrape();
      return value(t, 'vigil_nats_connected') === 0 ? t : undefined;
    }, { timeoutMs: 10_000, what: 'vigil_nats_connected 0' });
    expect(await checkMetrics(text)).toBe('');
  });
});
