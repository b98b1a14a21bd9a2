import { isIP } from 'node:net';
import { DEFAULT_DECISION_TREE, type DecisionTree, type Facts, type Logger, type ValidProbeResult, type ValidServiceStatus } from '@vigil/shared';
import type { AgentChannels, ProbeAsk } from '../grpc/agent-channels.js';
import type { HostRegistry } from '../registry/host-registry.js';
import type { HostRecord } from '../registry/types.js';
import { evaluateTree, type TreeVerdict } from './evaluate-tree.js';
import { quorum, type QuorumVerdict, type VantageReport } from './quorum.js';
import type { LocalProber, Vantage } from './vantage.js';

export interface DiagnoserOptions {
  /** Peer agents asked to probe, besides the coordinator. @default 3 */
  peers: number;
  /** Label whose equal value makes a peer preferred. @default zone */
  zoneLabel: string;
  /** SSH banner timeout: the runbook's ConnectTimeout=10. @default 10 s */
  sshTimeoutMs: number;
  /** ping deadline. @default 2 s */
  pingTimeoutMs: number;
  /** DNS lookup timeout. @default 2 s */
  dnsTimeoutMs: number;
  /** How long a peer has to answer, beyond the probe's own timeout. @default 2 s */
  answerSlackMs: number;
  /** Error rate above which a running service is failing (runbook: 1 %). @default 0.01 */
  highErrorRate: number;
  tree: DecisionTree;
}

export const DEFAULT_DIAGNOSER_OPTIONS: DiagnoserOptions = {
  peers: 3,
  zoneLabel: 'zone',
  sshTimeoutMs: 10_000,
  pingTimeoutMs: 2_000,
  dnsTimeoutMs: 2_000,
  answerSlackMs: 2_000,
  highErrorRate: 0.01,
  tree: DEFAULT_DECISION_TREE,
};

export interface HostDiagnosis {
  hostId: string;
  at: string;
  durationMs: number;
  target: { address: string | null; name: string | null; sshPort: number };
  vantages: VantageReport[];
  quorum: { ping: QuorumVerdict; ssh: QuorumVerdict; dns: QuorumVerdict };
  facts: Facts;
  verdict: TreeVerdict;
  services: { service: string; facts: Facts; verdict: TreeVerdict }[];
  notes: string[];
}

/**
 * Runs the runbook's check chain against a host from outside it: from the coordinator
 * and from k healthy peer agents, in parallel, then lets the majority of healthy
 * vantages decide each fact and walks the decision tree.
 */
export class Diagnoser {
  private readonly opts: DiagnoserOptions;

  constructor(
    private readonly registry: HostRegistry,
    private readonly channels: AgentChannels,
    private readonly local: LocalProber,
    private readonly log: Logger,
    options: Partial<DiagnoserOptions> = {},
  ) {
    this.opts = { ...DEFAULT_DIAGNOSER_OPTIONS, ...options };
  }

  /** Peers to probe from: online, connected, not the target, same zone first. */
  choosePeers(target: HostRecord): string[] {
    // One pass, no sort of the fleet: this runs for every silent host, and a fleet-wide
    // outage must not make each diagnosis cost O(N log N).
    const zone = target.labels[this.opts.zoneLabel];
    const same: string[] = [];
    const other: string[] = [];
    for (const h of this.registry.all()) {
      if (h.id === target.id || h.state !== 'online' || !h.capabilities.includes('probes') || !this.channels.isAttached(h.id)) continue;
      if (zone !== undefined && h.labels[this.opts.zoneLabel] === zone) {
        same.push(h.id);
        if (same.length >= this.opts.peers) break;
      } else if (other.length < this.opts.peers) {
        other.push(h.id);
      }
    }
    return [...same, ...other].slice(0, this.opts.peers);
  }

  async diagnose(hostId: string): Promise<HostDiagnosis> {
    const started = Date.now();
    const host = this.registry.get(hostId);
    if (!host) throw new Error(`unknown host "${hostId}"`);
    const address = host.address ?? null;
    const name = host.hostname && isIP(host.hostname) === 0 && host.hostname !== host.id ? host.hostname : isIP(host.id) === 0 ? host.id : null;
    const sshPort = Number(host.labels['ssh_port'] ?? 22) || 22;
    const target = address ?? name ?? host.id;
    const notes: string[] = [];

    const vantages: Vantage[] = [{ id: 'coordinator', kind: 'coordinator', probe: (ask) => this.local.probe(ask) }];
    for (const peer of this.choosePeers(host)) {
      vantages.push({ id: peer, kind: 'peer', probe: (ask) => this.channels.probe(peer, ask, (ask.timeoutMs ?? 5000) + this.opts.answerSlackMs) });
    }
    if (vantages.length === 1) notes.push('no healthy peer agent could probe: the coordinator judged alone');

    // The chain's order, kept without serialising it: every probe starts now, but when
    // the network step already failed there is no waiting out the SSH timeout (runbook 1:
    // a failed ping goes straight to network_diagnosis).
    const running = vantages.map((v) => this.startProbes(v, target, name, sshPort));
    const reports = await Promise.all(running.map((r) => this.networkReport(r)));
    const network = { ping: quorum(reports, (r) => r.ping), dns: quorum(reports, (r) => r.dns) };
    const networkDown = network.ping.ok === false || (name !== null && network.dns.ok === false);
    if (networkDown) notes.push('network step failed: SSH results were not waited for');
    else await Promise.all(running.map((r, i) => this.addSsh(reports[i]!, r)));
    const q = { ping: network.ping, ssh: networkDown ? quorum([], () => undefined) : quorum(reports, (r) => r.ssh), dns: network.dns };
    for (const [what, v] of Object.entries(q)) {
      if (v.coordinatorLinkSuspect) notes.push(`coordinator-link problem: only the coordinator failed ${what} while peers reached the host`);
    }
    const connected = this.registry.isConnected(host.id) && host.state === 'online';
    const facts: Facts = {
      ping_ok: q.ping.ok,
      ssh_ok: q.ssh.ok,
      dns_ok: name ? q.dns.ok : null,
      agent_connected: connected,
      service_state: null,
      error_rate: null,
      log_causes: [],
    };
    const verdict = evaluateTree(this.opts.tree, facts);
    const services = connected ? host.serviceStatus.map((s) => this.serviceVerdict(facts, s)) : [];
    const result: HostDiagnosis = {
      hostId: host.id,
      at: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      target: { address, name, sshPort },
      vantages: reports,
      quorum: q,
      facts,
      verdict,
      services,
      notes,
    };
    this.log.info({ host: host.id, class: verdict.outcome.class, confidence: verdict.outcome.confidence, ms: result.durationMs, vantages: reports.length }, 'host diagnosed');
    return result;
  }

  /**
   * A service's own chain, judged from what its agent reports. Heartbeats arriving over
   * the network stand for ping; SSH is not re-probed for a host whose agent is talking.
   */
  serviceVerdict(hostFacts: Pick<Facts, 'ping_ok' | 'ssh_ok' | 'dns_ok'> | null, s: ValidServiceStatus): { service: string; facts: Facts; verdict: TreeVerdict } {
    const facts: Facts = {
      ping_ok: hostFacts?.ping_ok ?? true,
      ssh_ok: hostFacts?.ssh_ok ?? null,
      dns_ok: hostFacts?.dns_ok ?? null,
      agent_connected: true,
      service_state: s.state,
      error_rate: s.errorRate && s.errorRate.requests > 0 ? s.errorRate.rate : null,
      log_causes: [],
    };
    return { service: s.name, facts, verdict: evaluateTree(this.opts.tree, facts) };
  }

  private startProbes(v: Vantage, target: string, name: string | null, sshPort: number): Running {
    const run = (ask: ProbeAsk) => v.probe(ask).catch((err: Error) => err);
    return {
      v,
      ping: run({ kind: 'ping', target, timeoutMs: this.opts.pingTimeoutMs }),
      ssh: run({ kind: 'ssh', target, port: sshPort, timeoutMs: this.opts.sshTimeoutMs }),
      dns: name ? run({ kind: 'dns', target: name, timeoutMs: this.opts.dnsTimeoutMs }) : Promise.resolve(undefined),
    };
  }

  private async networkReport(r: Running): Promise<VantageReport> {
    const [ping, dns] = await Promise.all([r.ping, r.dns]);
    const report: VantageReport = { vantage: r.v.id, kind: r.v.kind, healthy: true };
    for (const [key, res] of [['ping', ping], ['dns', dns]] as const) {
      if (res instanceof Error) this.unhealthy(report, res);
      else if (res) report[key] = res;
    }
    return report;
  }

  private async addSsh(report: VantageReport, r: Running): Promise<void> {
    const ssh = await r.ssh;
    if (ssh instanceof Error) this.unhealthy(report, ssh);
    else report.ssh = ssh;
  }

  /** A vantage that could not run a probe (agent gone, no answer) does not vote at all. */
  private unhealthy(report: VantageReport, err: Error): void {
    report.healthy = false;
    report.error = report.error ? `${report.error}; ${err.message}` : err.message;
  }
}

interface Running {
  v: Vantage;
  ping: Promise<ValidProbeResult | Error>;
  ssh: Promise<ValidProbeResult | Error>;
  dns: Promise<ValidProbeResult | Error | undefined>;
}
