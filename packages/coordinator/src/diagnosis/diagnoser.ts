import { isIP } from 'node:net';
import { DEFAULT_DECISION_TREE, systemClock, type Clock, type DecisionTree, type Facts, type Logger, type ValidProbeResult, type ValidServiceStatus } from '@vigil/shared';
import type { AgentChannels, ProbeAsk } from '../grpc/agent-channels.js';
import type { HostRegistry } from '../registry/host-registry.js';
import type { HostRecord } from '../registry/types.js';
import { evaluateTree, type FactFindings, type TreeVerdict } from './evaluate-tree.js';
import { agentFinding, dnsFinding, pingFinding, servicePortsFinding, sshFinding, type PortVerdict, type SshStep } from './findings.js';
import { quorum, type QuorumVerdict, type VantageReport } from './quorum.js';
import { sshTarget, type SshPortSetting, type SshTarget } from './ssh-target.js';
import { StreamEnds } from './stream-ends.js';
import type { LocalProber, Vantage } from './vantage.js';

/** What the diagnoser reads of the fleet: hosts, which streams are live, and their transitions. */
export type DiagnoserRegistry = Pick<HostRegistry, 'get' | 'all' | 'isConnected' | 'subscribe'>;
/** How the diagnoser reaches peer agents: whether one is attached, and a probe through it. */
export type DiagnoserChannels = Pick<AgentChannels, 'isAttached' | 'probe'>;

/**
 * At most this many declared service ports are probed per diagnosis: one answering is
 * enough to see the host is up, and a peer agent runs 4 probes at once (ping, DNS, SSH
 * and these), so more would queue past the answer deadline.
 */
export const MAX_SERVICE_PORTS = 2;

export interface DiagnoserOptions {
  /** Peer agents asked to probe, besides the coordinator. @default 3 */
  peers: number;
  /** Label whose equal value makes a peer preferred. @default zone */
  zoneLabel: string;
  /** SSH banner timeout: the runbook's ConnectTimeout=10. @default 10 s */
  sshTimeoutMs: number;
  /** The fleet's SSH port, for hosts whose agent does not set `sshPort`; `none`: no SSH step. @default 22 */
  sshPort: SshPortSetting;
  /** Connect timeout of the TCP probes of declared service ports: a reachable port answers within a round trip; 3 s covers two SYN retries. @default 3 s */
  portTimeoutMs: number;
  /** ping deadline. @default 2 s */
  pingTimeoutMs: number;
  /** DNS lookup timeout. @default 2 s */
  dnsTimeoutMs: number;
  /** How long a peer has to answer, beyond the probe's own timeout. @default 2 s */
  answerSlackMs: number;
  /** Error rate above which a running service is failing (runbook: 1 %). @default 0.01 */
  highErrorRate: number;
  tree: DecisionTree;
  /** The registry's clock, for "closed N s ago". @default the system clock */
  clock: Clock;
}

export const DEFAULT_DIAGNOSER_OPTIONS: DiagnoserOptions = {
  peers: 3,
  zoneLabel: 'zone',
  sshTimeoutMs: 10_000,
  sshPort: 22,
  portTimeoutMs: 3_000,
  pingTimeoutMs: 2_000,
  dnsTimeoutMs: 2_000,
  answerSlackMs: 2_000,
  highErrorRate: 0.01,
  tree: DEFAULT_DECISION_TREE,
  clock: systemClock,
};

/**
 * What a diagnosis tells a listener while it runs, for a streamed answer: the vantages
 * chosen, then each vantage's report as it arrives (its network step, then its SSH and
 * service-port checks when the network step passed).
 */
export type DiagnosisProgress =
  | { type: 'start'; hostId: string; target: HostDiagnosis['target']; vantages: { vantage: string; kind: 'coordinator' | 'peer' }[] }
  | { type: 'vantage'; phase: 'network' | 'checks'; report: VantageReport };

export type DiagnosisListener = (p: DiagnosisProgress) => void;

export interface HostDiagnosis {
  hostId: string;
  at: string;
  durationMs: number;
  target: {
    address: string | null;
    name: string | null;
    /** null: the host has no SSH to judge. */
    sshPort: number | null;
    /** Which setting named the SSH port: the agent's, the host's `ssh_port` label, or the fleet default. */
    sshPortFrom: 'agent' | 'label' | 'fleet';
    servicePorts: { service: string; port: number }[];
  };
  vantages: VantageReport[];
  quorum: { ping: QuorumVerdict; ssh: QuorumVerdict; dns: QuorumVerdict; servicePorts: PortVerdict[] };
  facts: Facts;
  /** One line per check in plain words, e.g. "ping: 4/4 vantages answered"; the path steps show the ones each node read. */
  findings: string[];
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
  private readonly streamEnds = new StreamEnds();

  constructor(
    private readonly registry: DiagnoserRegistry,
    private readonly channels: DiagnoserChannels,
    private readonly local: LocalProber,
    private readonly log: Logger,
    options: Partial<DiagnoserOptions> = {},
  ) {
    this.opts = { ...DEFAULT_DIAGNOSER_OPTIONS, ...options };
    registry.subscribe((e) => {
      if (e.type === 'transition') this.streamEnds.observe(e.transition);
    });
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

  /** Where this diagnoser's SSH step would look for the host's SSH server, and why (for the hosts API). */
  sshTargetOf(host: Pick<HostRecord, 'sshPort' | 'labels'>): SshTarget {
    return sshTarget(host, this.opts.sshPort);
  }

  /** `listener` hears each vantage's answer as it arrives; the result is the same either way. */
  async diagnose(hostId: string, listener?: DiagnosisListener): Promise<HostDiagnosis> {
    const started = Date.now();
    const host = this.registry.get(hostId);
    if (!host) throw new Error(`unknown host "${hostId}"`);
    const address = host.address ?? null;
    const name = host.hostname && isIP(host.hostname) === 0 && host.hostname !== host.id ? host.hostname : isIP(host.id) === 0 ? host.id : null;
    const ssh = sshTarget(host, this.opts.sshPort);
    const ports = declaredPorts(host);
    const target = address ?? name ?? host.id;
    const notes: string[] = [];
    if (ssh.problem) notes.push(ssh.problem);

    const vantages: Vantage[] = [{ id: 'coordinator', kind: 'coordinator', probe: (ask) => this.local.probe(ask) }];
    for (const peer of this.choosePeers(host)) {
      vantages.push({ id: peer, kind: 'peer', probe: (ask) => this.channels.probe(peer, ask, (ask.timeoutMs ?? 5000) + this.opts.answerSlackMs) });
    }
    if (vantages.length === 1) notes.push('no healthy peer agent could probe: the coordinator judged alone');
    const tell = listener ? safeListener(listener, this.log) : undefined;
    tell?.({ type: 'start', hostId: host.id, target: { address, name, sshPort: ssh.port, sshPortFrom: ssh.from, servicePorts: ports }, vantages: vantages.map((v) => ({ vantage: v.id, kind: v.kind })) });

    // The chain's order, kept without serialising it: every probe starts now, but when
    // the network step already failed there is no waiting out the SSH timeout (runbook 1:
    // a failed ping goes straight to network_diagnosis).
    const running = vantages.map((v) => this.startProbes(v, target, name, ssh.port, ports));
    const reports = await Promise.all(
      running.map(async (r) => {
        const report = await this.networkReport(r);
        tell?.({ type: 'vantage', phase: 'network', report: structuredClone(report) });
        return report;
      }),
    );
    const network = { ping: quorum(reports, (r) => r.ping), dns: quorum(reports, (r) => r.dns) };
    const networkDown = network.ping.ok === false || (name !== null && network.dns.ok === false);
    if (networkDown) notes.push('network step failed: SSH and service-port results were not waited for');
    else {
      await Promise.all(
        running.map(async (r, i) => {
          await this.addHostChecks(reports[i]!, r);
          tell?.({ type: 'vantage', phase: 'checks', report: structuredClone(reports[i]!) });
        }),
      );
    }
    const none = quorum([], () => undefined);
    const q = {
      ping: network.ping,
      ssh: networkDown || ssh.port === null ? none : quorum(reports, (r) => r.ssh),
      dns: network.dns,
      servicePorts: ports.map((p): PortVerdict => ({ ...p, q: networkDown ? none : quorum(reports, (r) => r.ports?.[String(p.port)]) })),
    };
    for (const [what, v] of Object.entries({ ping: q.ping, ssh: q.ssh, dns: q.dns })) {
      if (v.coordinatorLinkSuspect) notes.push(`coordinator-link problem: only the coordinator failed ${what} while peers reached the host`);
    }
    const connected = this.registry.isConnected(host.id) && host.state === 'online';
    const end = connected ? undefined : this.streamEnds.get(host.id);
    const facts: Facts = {
      ping_ok: q.ping.ok,
      ssh_ok: q.ssh.ok,
      ssh_no_banner: q.ssh.ok === false ? mostlyNoBanner(reports) : null,
      dns_ok: name ? q.dns.ok : null,
      agent_connected: connected,
      service_port_ok: anyPortAnswered(q.servicePorts),
      stream_closed: end ? end.kind === 'closed' : null,
      service_state: null,
      error_rate: null,
      log_causes: [],
    };
    const sshStep: SshStep = ssh.port === null ? { kind: 'none', from: ssh.from } : networkDown ? { kind: 'skipped' } : { kind: 'probed', port: ssh.port, from: ssh.from, q: q.ssh };
    const agentWords = agentFinding(connected, host.lastSeen, end, this.opts.clock.now());
    const words: FactFindings = {
      ping_ok: pingFinding(reports, q.ping),
      dns_ok: dnsFinding(name, reports, q.dns),
      ssh_ok: sshFinding(sshStep, reports),
      ssh_no_banner: sshFinding(sshStep, reports),
      agent_connected: agentWords,
      service_port_ok: servicePortsFinding(q.servicePorts, reports, networkDown),
      stream_closed: agentWords,
    };
    const verdict = evaluateTree(this.opts.tree, facts, words);
    notes.push(...explain(verdict, facts, ssh.port));
    const services = connected ? host.serviceStatus.map((s) => this.serviceVerdict(facts, s)) : [];
    const result: HostDiagnosis = {
      hostId: host.id,
      at: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      target: { address, name, sshPort: ssh.port, sshPortFrom: ssh.from, servicePorts: ports },
      vantages: reports,
      quorum: q,
      facts,
      findings: [...new Set(Object.values(words))],
      verdict,
      services,
      notes,
    };
    this.log.info({ host: host.id, class: verdict.outcome.class, confidence: verdict.outcome.confidence, ms: result.durationMs, vantages: reports.length, findings: result.findings }, 'host diagnosed');
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
      ssh_no_banner: null,
      dns_ok: hostFacts?.dns_ok ?? null,
      agent_connected: true,
      service_port_ok: null,
      stream_closed: null,
      service_state: s.state,
      error_rate: s.errorRate && s.errorRate.requests > 0 ? s.errorRate.rate : null,
      log_causes: [],
    };
    const words: FactFindings = {
      agent_connected: 'agent: connected, reporting this service',
      service_state: `${s.name}: ${s.state}${s.pids.length > 0 ? ` (pid ${s.pids.join(', ')})` : ''}`,
      error_rate: s.errorRate && s.errorRate.requests > 0 ? `${s.name}: ${s.errorRate.errors}/${s.errorRate.requests} requests failed (${(s.errorRate.rate * 100).toFixed(1)} %)` : `${s.name}: no error rate measured`,
    };
    if (!hostFacts) {
      words.ping_ok = 'ping: not probed (the agent reports over the network)';
      words.dns_ok = 'dns: not probed';
    }
    return { service: s.name, facts, verdict: evaluateTree(this.opts.tree, facts, words) };
  }

  private startProbes(v: Vantage, target: string, name: string | null, sshPort: number | null, ports: { port: number }[]): Running {
    const run = (ask: ProbeAsk) => v.probe(ask).catch((err: Error) => err);
    return {
      v,
      ping: run({ kind: 'ping', target, timeoutMs: this.opts.pingTimeoutMs }),
      ssh: sshPort === null ? Promise.resolve(undefined) : run({ kind: 'ssh', target, port: sshPort, timeoutMs: this.opts.sshTimeoutMs }),
      dns: name ? run({ kind: 'dns', target: name, timeoutMs: this.opts.dnsTimeoutMs }) : Promise.resolve(undefined),
      ports: ports.map((p) => run({ kind: 'tcp', target, port: p.port, timeoutMs: this.opts.portTimeoutMs }).then((res) => [p.port, res] as const)),
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

  /** SSH and the service ports: the host-level checks, waited for only when the network step passed. */
  private async addHostChecks(report: VantageReport, r: Running): Promise<void> {
    const [ssh, ports] = await Promise.all([r.ssh, Promise.all(r.ports)]);
    if (ssh instanceof Error) this.unhealthy(report, ssh);
    else if (ssh) report.ssh = ssh;
    for (const [port, res] of ports) {
      // A port probe the vantage could not run leaves that port without its vote; the
      // vantage's SSH vote stands.
      if (res instanceof Error) report.error = report.error ? `${report.error}; port ${port}: ${res.message}` : `port ${port}: ${res.message}`;
      else (report.ports ??= {})[String(port)] = res;
    }
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
  ssh: Promise<ValidProbeResult | Error | undefined>;
  dns: Promise<ValidProbeResult | Error | undefined>;
  ports: Promise<readonly [number, ValidProbeResult | Error]>[];
}

/** The ports the host's services declare, each once, in declaration order, capped. */
export function declaredPorts(host: Pick<HostRecord, 'services'>): { service: string; port: number }[] {
  const out: { service: string; port: number }[] = [];
  const seen = new Set<number>();
  for (const s of host.services) {
    for (const port of s.ports ?? []) {
      if (seen.has(port) || out.length >= MAX_SERVICE_PORTS) continue;
      seen.add(port);
      out.push({ service: s.name, port });
    }
  }
  return out;
}

/** A listener that throws must not fail the diagnosis it listens to. */
function safeListener(listener: DiagnosisListener, log: Logger): DiagnosisListener {
  return (p) => {
    try {
      listener(p);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'diagnosis progress listener failed');
    }
  };
}

/** Most failed SSH votes connected but heard no banner (the probe's `no_banner` code). */
export function mostlyNoBanner(reports: VantageReport[]): boolean {
  let noBanner = 0;
  let failed = 0;
  for (const r of reports) {
    if (!r.healthy || !r.ssh || r.ssh.refused || r.ssh.ok) continue;
    failed++;
    if (r.ssh.error.startsWith('no_banner:')) noBanner++;
  }
  return failed > 0 && noBanner * 2 > failed;
}

/** One declared port answering is enough to say the host is up; null when none could be judged. */
export function anyPortAnswered(ports: PortVerdict[]): boolean | null {
  if (ports.some((p) => p.q.ok === true)) return true;
  if (ports.some((p) => p.q.ok === false)) return false;
  return null;
}

/** Notes that say why a verdict reached on weaker evidence is weaker. */
function explain(verdict: TreeVerdict, facts: Facts, sshPort: number | null): string[] {
  const notes: string[] = [];
  const nodes = new Set(verdict.path.map((p) => p.node));
  const cls = verdict.outcome.class;
  if (nodes.has('service_ports_after_ssh_failure') && cls === 'agent_failure') {
    notes.push(
      `SSH on port ${sshPort} could not be reached but a declared service port answered: the host is up, so the SSH failure is not taken as a hardware sign (SSH filtered, or served on another port?). Set the agent's sshPort (a port or none) so the SSH step probes what the host serves.`,
    );
  }
  if (nodes.has('ssh_failure_mode') && cls === 'server_hardware_issue' && facts.ssh_no_banner === true) {
    notes.push(`SSH on port ${sshPort} accepted connections but sent no banner: the kernel answers, the host's userland does not.`);
  }
  if (nodes.has('service_ports_without_ssh')) {
    const basis = facts.service_port_ok === true ? 'a declared service port answered' : facts.stream_closed === true ? "the host itself closed the agent's stream" : 'nothing but ping answered';
    notes.push(`no SSH to judge; ${basis}: confidence ${verdict.outcome.confidence} instead of the 0.85/0.9 of an SSH answer.`);
  }
  return notes;
}
