// Prometheus' side, from Debian's packages: prometheus-node-exporter on the bench's host,
// prometheus scraping it with an `up == 0` alert, prometheus-alertmanager routing that
// alert to a webhook served by this process. An outage is reported when the firing
// webhook arrives here, timestamped on arrival.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { findBinary, freePort, spawnChild, waitFor } from '@vigil/testkit';
import { applyFault, firstAfter, restoreFault } from './faults.mjs';

/**
 * Timings of the stack. `fast` is about the quickest a Prometheus setup reports a host
 * outage (1 s scrape and evaluation, the scrape timeout at its 1 s limit, the alert without
 * `for`, no grouping wait). `debian` is what Debian's packages ship in
 * /etc/prometheus/prometheus.yml (15 s scrape and evaluation, the default 10 s timeout) and
 * /etc/prometheus/alertmanager.yml (group_wait 30 s, group_interval 5 m), with the same rule.
 */
export const PROFILES = {
  fast: { scrapeInterval: '1s', scrapeTimeout: '1s', evaluationInterval: '1s', groupWait: '0s', groupInterval: '1s' },
  debian: { scrapeInterval: '15s', scrapeTimeout: '10s', evaluationInterval: '15s', groupWait: '30s', groupInterval: '5m' },
};

const BINARIES = {
  prometheus: ['prometheus', 'PROMETHEUS_BIN', ['/usr/bin/prometheus']],
  alertmanager: ['prometheus-alertmanager', 'ALERTMANAGER_BIN', ['/usr/bin/prometheus-alertmanager']],
  nodeExporter: ['prometheus-node-exporter', 'NODE_EXPORTER_BIN', ['/usr/bin/prometheus-node-exporter']],
};

/** The three binaries, or a message naming what is missing and how to install it. */
export function promBinaries() {
  const found = {};
  const missing = [];
  for (const [key, [name, envVar, wellKnown]] of Object.entries(BINARIES)) {
    found[key] = findBinary(name, envVar, wellKnown);
    if (!found[key]) missing.push(`${name} (apt-get install -y ${name}, or set ${envVar})`);
  }
  return missing.length ? { missing } : { found };
}

export function prometheusYml(p, { amPort, target, rulesFile }) {
  return `global:
  scrape_interval: ${p.scrapeInterval}
  scrape_timeout: ${p.scrapeTimeout}
  evaluation_interval: ${p.evaluationInterval}
rule_files: [${JSON.stringify(rulesFile)}]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:${amPort}']
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['${target}']
`;
}

export const RULES_YML = `groups:
  - name: detection
    rules:
      - alert: HostDown
        expr: up{job="node"} == 0
        for: 0s
`;

export function alertmanagerYml(p, webhookUrl) {
  return `route:
  receiver: bench
  group_by: [alertname, instance]
  group_wait: ${p.groupWait}
  group_interval: ${p.groupInterval}
  repeat_interval: 24h
receivers:
  - name: bench
    webhook_configs:
      - url: ${JSON.stringify(webhookUrl)}
        send_resolved: true
`;
}

/** Alertmanager's webhook body → its status ('firing' | 'resolved'). */
export function webhookStatus(body) {
  const status = JSON.parse(body).status;
  if (status !== 'firing' && status !== 'resolved') throw new Error(`webhook status ${JSON.stringify(status)}: expected firing or resolved`);
  return status;
}

export class PromSide {
  /** @param {{ host: any, work: string, profile: keyof typeof PROFILES, bins: Record<string,string> }} o */
  static async start(o) {
    const s = new PromSide(o);
    await s.#start();
    return s;
  }

  constructor({ host, work, profile, bins }) {
    this.name = profile === 'fast' ? 'prometheus' : `prometheus-${profile}`;
    this.host = host;
    this.work = join(work, this.name);
    this.profile = PROFILES[profile];
    this.bins = bins;
    /** Webhook arrivals: { status, at (performance.now()) }. */
    this.arrivals = [];
    this.exporters = 0;
  }

  async #start() {
    mkdirSync(this.work, { recursive: true });
    this.webhook = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        try {
          this.arrivals.push({ status: webhookStatus(Buffer.concat(chunks).toString('utf8')), at });
        } catch (err) {
          this.arrivals.push({ status: 'bad', at, error: err.message });
        }
        res.end();
      });
    });
    await new Promise((resolve) => this.webhook.listen(0, '127.0.0.1', resolve));
    // In the namespace every port is ours; on loopback take one that is free now.
    this.exporterPort = this.host.canCut ? 9100 : await freePort();
    this.#startExporter();

    const amPort = await freePort();
    writeFileSync(join(this.work, 'alertmanager.yml'), alertmanagerYml(this.profile, `http://127.0.0.1:${this.webhook.address().port}/`));
    this.am = spawnChild({
      name: 'alertmanager',
      command: this.bins.alertmanager,
      args: [`--config.file=${join(this.work, 'alertmanager.yml')}`, `--storage.path=${join(this.work, 'am-data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=warn'],
    });
    await this.#ready(this.am, `http://127.0.0.1:${amPort}/-/ready`);

    this.promPort = await freePort();
    writeFileSync(join(this.work, 'rules.yml'), RULES_YML);
    writeFileSync(join(this.work, 'prometheus.yml'), prometheusYml(this.profile, { amPort, target: `${this.host.address}:${this.exporterPort}`, rulesFile: join(this.work, 'rules.yml') }));
    this.prom = spawnChild({
      name: 'prometheus',
      command: this.bins.prometheus,
      args: [`--config.file=${join(this.work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(this.work, 'tsdb')}`, `--web.listen-address=127.0.0.1:${this.promPort}`, '--log.level=warn'],
    });
    await this.#ready(this.prom, `http://127.0.0.1:${this.promPort}/-/ready`);
    await this.waitHealthy(120_000);
  }

  async #ready(child, url) {
    await waitFor(
      async () => {
        if (!child.running) throw new Error(`${child.name} exited\n${child.output()}`);
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
        return res?.ok;
      },
      { timeoutMs: 30_000, what: url },
    );
  }

  #startExporter() {
    this.exporters += 1;
    this.exporter = this.host.exec(`node_exporter#${this.exporters}`, [this.bins.nodeExporter, `--web.listen-address=${this.host.address}:${this.exporterPort}`, '--log.level=warn']);
  }

  describe() {
    const p = this.profile;
    return `node_exporter ${this.host.address}:${this.exporterPort} (pid ${this.exporter.pid}), prometheus 127.0.0.1:${this.promPort} (scrape ${p.scrapeInterval}, timeout ${p.scrapeTimeout}, eval ${p.evaluationInterval}), alertmanager (group_wait ${p.groupWait}, group_interval ${p.groupInterval})`;
  }

  /** Applies a fault to the exporter; the caller has taken the time just before. */
  fault(kind) {
    return applyFault(this.exporter, kind);
  }

  restore(kind) {
    return restoreFault(this.exporter, kind, () => this.#startExporter());
  }


  /** ms from `t0` to the first firing webhook after it, or null when none came within `timeoutMs`. */
  detected(t0, timeoutMs) {
    return firstAfter(this.arrivals, t0, (a) => a.status === 'firing', timeoutMs, 'the firing webhook');
  }

  async #up() {
    const res = await fetch(`http://127.0.0.1:${this.promPort}/api/v1/query?query=${encodeURIComponent('up{job="node"}')}`, { signal: AbortSignal.timeout(2000) });
    const body = await res.json();
    return body.data?.result?.[0]?.value?.[1] === '1';
  }

  /** Until the target is up and the last notification, if any, is a resolved one. */
  async waitHealthy(timeoutMs = 120_000) {
    await waitFor(
      async () => {
        if (!this.exporter.running) throw new Error(`node_exporter exited\n${this.exporter.output()}`);
        const last = this.arrivals.at(-1);
        if (last && last.status !== 'resolved') return false;
        return this.#up().catch(() => false);
      },
      { timeoutMs, intervalMs: 100, what: `${this.name}: up == 1 and the alert resolved` },
    );
  }

  output() {
    return [this.exporter?.output(), this.prom?.output(), this.am?.output()].filter(Boolean).join('\n');
  }

  async stop() {
    await this.exporter?.stop(3000);
    await this.prom?.stop(5000);
    await this.am?.stop(5000);
    await new Promise((resolve) => (this.webhook ? this.webhook.close(() => resolve()) : resolve()));
  }
}
