import { createHash } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostToken } from '@vigil/shared';
import { ApiClient } from '../helpers/api-client.js';
import { makeCerts, type CertFiles } from '../helpers/certs.js';
import { Coordinator } from '../helpers/coordinator.js';
import { teardown } from '../helpers/fleet.js';
import type { HostSummary } from '../helpers/http.js';
import { report } from '../helpers/measure.js';
import { NetnsAgent } from '../helpers/netns-agent.js';
import { TestNet, type NetHost } from '../helpers/netns.js';
import { EventWatcher, readStream, type ReceivedEvent, type StoredEvent } from '../helpers/nats-watch.js';
import { NatsServer } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/poll.js';
import type { Child } from '../helpers/processes.js';
import { startSshBanner } from '../helpers/ssh-banner.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The drills' stage: a TestNet with one namespace per host (a real agent and, where the
 * drill needs one, an SSH-banner server inside), and in the root namespace nats-server,
 * an event watcher and a coordinator listening for agents on the bridge address with
 * mutual TLS. Time settings are shrunk through the coordinator's config file; nothing
 * of its logic is replaced.
 */

export type ProblemClass = 'network_issue' | 'server_hardware_issue' | 'service_failure' | 'partial_failure' | 'agent_failure' | 'observer_partition';

/** `VIGIL_DRILL_SSH_TIMEOUT=10s` runs the drills with the runbook's own SSH timeout. */
export const SSH_TIMEOUT = process.env.VIGIL_DRILL_SSH_TIMEOUT ?? '2s';

/** The coordinator settings every drill starts from; a drill file overrides what it needs. */
export function shrunkConfig(): Record<string, unknown> {
  return {
    disconnectGrace: '300ms',
    settleWindow: '2s',
    incidentTick: '100ms',
    diagnosisPeers: 3,
    sshTimeout: SSH_TIMEOUT,
    // ping's deadline is counted in whole seconds; 4 packets 0.2 s apart fit in it.
    pingTimeout: '1s',
    escalation: {
      network_issue: '3s',
      server_hardware_issue: '3s',
      service_failure: '3s',
      partial_failure: '3s',
      agent_failure: '3s',
      observer_partition: '3s',
    },
  };
}

/** `10s` / `300ms` / `1m` → ms, for the few bounds derived from the config. */
export function ms(duration: string | number): number {
  if (typeof duration === 'number') return duration;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(duration);
  if (!m) throw new Error(`not a duration: ${duration}`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
}

export interface DrillHostSpec {
  id: string;
  /** Run an SSH-banner server (on `sshPort`). @default true */
  ssh?: boolean;
  /** The port the SSH-banner server listens on. @default 22 */
  sshPort?: number;
  labels?: Record<string, string>;
  /** Extra agent arguments, e.g. `--config FILE` for its services. */
  agentArgs?: string[];
}

export interface DrillToken {
  name: string;
  role: 'viewer' | 'operator';
  token: string;
}

export interface DrillOptions {
  /** Names the namespaces (2-6 letters or digits). */
  tag: string;
  coordinatorId: string;
  hosts: DrillHostSpec[];
  /** Deep-merged over `shrunkConfig()` (one level: `escalation` is merged key by key). */
  config?: Record<string, unknown>;
  /** API tokens; the first operator's is the client's default. */
  tokens?: DrillToken[];
}

export class DrillHost {
  agent: NetnsAgent | undefined;
  ssh: Child | undefined;
  constructor(
    readonly id: string,
    readonly net: NetHost,
    readonly spec: DrillHostSpec,
  ) {}
}

/** CloudEvent payload of `vigil.v1.incident.*`, `vigil.v1.escalation.*` and `vigil.v1.action.*`. */
export interface IncidentEventData {
  incidentId: string;
  event: string;
  summary: string;
  class: ProblemClass;
  confidence: number;
  level: number;
  state: string;
  hostId: string;
  service: string | null;
  silenced: boolean;
  parentId: string | null;
  reason: string;
  url: string;
}

export interface IncidentCloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  data: IncidentEventData;
}

export function incidentData(e: { event: unknown }): IncidentEventData | undefined {
  const ev = e.event as IncidentCloudEvent | undefined;
  return ev && typeof ev.data === 'object' && ev.data !== null && 'incidentId' in ev.data ? ev.data : undefined;
}

/** One step of the decision path, reading forwards: what was found, the branch taken, where it led. */
export interface PathStep {
  node: string;
  finding: string;
  result: string;
  next: string;
  facts: Record<string, unknown>;
}

export interface IncidentDetail {
  id: string;
  hostId: string;
  service: string | null;
  class: ProblemClass;
  state: 'open' | 'acknowledged' | 'resolved';
  level: number;
  confidence: number;
  nextEscalationAt: string | null;
  parentId: string | null;
  silenced: boolean;
  resolvedBy: string | null;
  openedAt: string;
  diagnosis: {
    facts?: Record<string, unknown>;
    /** One line per check in plain words ("ping: 4/4 vantages answered"). */
    findings?: string[];
    path?: PathStep[];
    next?: string;
    /** Probe results in their wire form: `error` is "<code>: <message>" or ''. */
    vantages?: { vantage: string; kind: string; healthy: boolean; ping?: { ok: boolean; error: string }; ssh?: { ok: boolean; error: string; banner: string } }[];
  } | null;
  timeline: { at: string; kind: string; summary: string }[];
}

export class Drill {
  readonly hosts = new Map<string, DrillHost>();

  private constructor(
    readonly net: TestNet,
    readonly certs: CertFiles,
    readonly nats: NatsServer,
    readonly watcher: EventWatcher,
    readonly coordinator: Coordinator,
    readonly api: ApiClient,
    readonly config: Record<string, unknown>,
    readonly coordinatorId: string,
    private readonly grpcArgs: string[],
  ) {}

  static async start(opts: DrillOptions): Promise<Drill> {
    const net = await TestNet.create(opts.tag);
    try {
      const certs = await makeCerts(
        opts.hosts.map((h) => h.id),
        { serverSan: `DNS:localhost,IP:127.0.0.1,IP:${net.coordinatorAddress}` },
      );
      const base = shrunkConfig();
      const config: Record<string, unknown> = {
        ...base,
        ...opts.config,
        escalation: { ...(base.escalation as object), ...((opts.config?.escalation as object | undefined) ?? {}) },
      };
      if (opts.tokens?.length) {
        config.tokens = opts.tokens.map((t) => ({ name: t.name, role: t.role, sha256: createHash('sha256').update(t.token, 'utf8').digest('hex') }));
      }
      const configFile = join(tempDir('drill-config'), 'coordinator.yaml');
      // JSON is YAML: no YAML writer needed.
      writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);

      const nats = await NatsServer.start();
      net.track(nats.pid!, nats.dir);
      const watcher = await EventWatcher.start(nats.url);
      // The agents dial the bridge address. The last --grpc wins over the helper's
      // loopback one; after the first start it names the bound port, so a restart keeps it.
      const grpcArgs = ['--config', configFile, '--grpc', `${net.coordinatorAddress}:0`];
      const coordinator = await Coordinator.start({
        nats: nats.url,
        id: opts.coordinatorId,
        tls: { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey },
        extraArgs: grpcArgs,
      });
      net.track(coordinator.pid, coordinator.dataDir);
      grpcArgs[grpcArgs.length - 1] = `${net.coordinatorAddress}:${coordinator.grpcPort}`;
      const operator = opts.tokens?.find((t) => t.role === 'operator');
      const api = new ApiClient(coordinator.baseUrl, { caFile: certs.ca, token: operator?.token });
      const drill = new Drill(net, certs, nats, watcher, coordinator, api, config, opts.coordinatorId, grpcArgs);

      for (const spec of opts.hosts) {
        const nh = await net.addHost();
        drill.hosts.set(spec.id, new DrillHost(spec.id, nh, spec));
      }
      await Promise.all([...drill.hosts.values()].filter((h) => h.spec.ssh !== false).map((h) => drill.startSsh(h.id)));
      for (const h of drill.hosts.values()) drill.startAgent(h.id);
      await drill.waitStates(Object.fromEntries(opts.hosts.map((h) => [h.id, 'online'])), 20_000);
      return drill;
    } catch (err) {
      await teardown().catch(() => undefined);
      await net.destroy();
      throw err;
    }
  }

  /** Starts the stopped coordinator again: same data dir, same ports. */
  async startCoordinatorAgain(): Promise<void> {
    await this.coordinator.startAgain();
    this.net.track(this.coordinator.pid, this.coordinator.dataDir);
  }

  /** What agents pass as --coordinator. */
  get grpcTarget(): string {
    return this.grpcArgs[this.grpcArgs.length - 1]!;
  }

  get sshTimeoutMs(): number {
    return ms(this.config.sshTimeout as string);
  }

  escalationMs(cls: ProblemClass): number {
    return ms((this.config.escalation as Record<string, string>)[cls]!);
  }

  host(id: string): DrillHost {
    const h = this.hosts.get(id);
    if (!h) throw new Error(`no drill host ${id}`);
    return h;
  }

  startAgent(id: string): NetnsAgent {
    const h = this.host(id);
    if (h.agent?.running) throw new Error(`the agent of ${id} is running`);
    h.agent = new NetnsAgent(this.net, h.net, {
      coordinator: this.grpcTarget,
      hostId: id,
      interval: '500ms',
      tls: { ca: this.certs.ca, ...this.certs.client(id) },
      labels: h.spec.labels,
      extraArgs: h.spec.agentArgs,
    });
    return h.agent;
  }

  async startSsh(id: string): Promise<Child> {
    const h = this.host(id);
    if (h.ssh?.running) throw new Error(`the ssh-banner server of ${id} is running`);
    h.ssh = await startSshBanner(this.net, h.net, h.spec.sshPort);
    return h.ssh;
  }

  /** SIGKILL to the host's agent; resolves with performance.now() of the kill, once it is dead. */
  async killAgent(id: string): Promise<number> {
    const a = this.host(id).agent;
    if (!a?.running) throw new Error(`the agent of ${id} is not running`);
    const at = performance.now();
    await a.kill();
    return at;
  }

  async killSsh(id: string): Promise<void> {
    const s = this.host(id).ssh;
    if (!s?.running) throw new Error(`the ssh-banner server of ${id} is not running`);
    await s.kill();
  }

  async listHosts(): Promise<HostSummary[]> {
    const hosts: HostSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.api.get<{ hosts: HostSummary[]; nextCursor?: string }>(`/v1/hosts?limit=5000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      hosts.push(...page.hosts);
      cursor = page.nextCursor;
    } while (cursor);
    return hosts;
  }

  async states(): Promise<Record<string, string>> {
    return Object.fromEntries((await this.listHosts()).map((h) => [h.id, h.state]));
  }

  async waitStates(want: Record<string, string>, timeoutMs = 10_000): Promise<void> {
    await waitFor(
      async () => {
        const s = await this.states();
        return Object.entries(want).every(([id, st]) => s[id] === st);
      },
      { timeoutMs, intervalMs: 50, what: `hosts ${JSON.stringify(want)}`, observe: () => this.states() },
    );
  }

  async incident(id: string): Promise<IncidentDetail> {
    return (await this.api.get<{ incident: IncidentDetail }>(`/v1/incidents/${encodeURIComponent(id)}`)).incident;
  }

  /** The first event on `subject` (and matching `pred`) received at or after `since`. */
  waitEvent(subject: string | RegExp, opts: { since: number; timeoutMs?: number; pred?: (d: IncidentEventData | undefined, e: ReceivedEvent) => boolean }): Promise<ReceivedEvent> {
    const match = (s: string) => (typeof subject === 'string' ? s === subject : subject.test(s));
    return this.watcher.waitForEvent((e) => match(e.subject) && (opts.pred?.(incidentData(e), e) ?? true), {
      since: opts.since,
      timeoutMs: opts.timeoutMs ?? 10_000,
      what: `an event on ${String(subject)}`,
    });
  }

  /** Events about one incident received so far, in arrival order. */
  eventsOf(incidentId: string): ReceivedEvent[] {
    return this.watcher.events.filter((e) => incidentData(e)?.incidentId === incidentId);
  }

  stream(): Promise<StoredEvent[]> {
    return readStream(this.nats.url);
  }

  /** Stops every process (by PID), removes temp dirs, then the namespaces and the bridge. */
  async teardown(): Promise<void> {
    await this.watcher.close().catch(() => undefined);
    try {
      await teardown();
    } finally {
      await this.net.destroy();
    }
  }
}

export const subjects = {
  silent: (host: string) => `vigil.v1.host.silent.${hostToken(host)}`,
  online: (host: string) => `vigil.v1.host.online.${hostToken(host)}`,
  incident: (event: string, host: string) => `vigil.v1.incident.${event}.${hostToken(host)}`,
  escalation: (level: number, cls: string, host: string) => `vigil.v1.escalation.l${level}.${cls}.${hostToken(host)}`,
  action: (action: string, host: string) => `vigil.v1.action.${action}.${hostToken(host)}`,
};

/** CloudEvent ids that occur more than once in the stream (should be none). */
export function duplicateIds(stored: StoredEvent[]): string[] {
  const seen = new Map<string, number>();
  for (const m of stored) {
    const id = (m.event as { id?: string } | undefined)?.id ?? m.msgId;
    if (id) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return [...seen.entries()].filter(([, n]) => n > 1).map(([id]) => id);
}

/** subject → count, for the stored messages about one incident. */
export function subjectCounts(stored: StoredEvent[], incidentId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of stored) {
    if (incidentData(m)?.incidentId !== incidentId) continue;
    out[m.subject] = (out[m.subject] ?? 0) + 1;
  }
  return out;
}

/** Timing of one drill, from the fault (performance.now() in this process) to each event. */
export interface DrillFigures {
  drill: string;
  title: string;
  class: string | null;
  faultToSilentMs: number | null;
  faultToClassifiedMs: number | null;
  /** Escalation level → ms from the fault to its event (level 1 is the opening page). */
  escalations: Record<string, number>;
  /** The classification goal this drill is held to. */
  goalMs: number;
  sshTimeoutMs: number;
  note?: string;
}

/** Classification goal: 5 s, unless the diagnosis must wait for the SSH timeout to run out. */
export function classificationGoalMs(drill: Drill, waitsForSshTimeout: boolean): number {
  return waitsForSshTimeout ? Math.max(5000, drill.sshTimeoutMs + 2500) : 5000;
}

/** Figures of one incident from the events the watcher received. */
export function figuresOf(drill: Drill, opts: { drill: string; title: string; faultAt: number; host: string; incidentId: string | null; goalMs: number; note?: string }): DrillFigures {
  const since = (e: ReceivedEvent) => e.receivedAt >= opts.faultAt;
  const silent = drill.watcher.events.find((e) => since(e) && e.subject === subjects.silent(opts.host));
  const evs = opts.incidentId ? drill.eventsOf(opts.incidentId) : [];
  const opened = evs.find((e) => e.subject.startsWith('vigil.v1.incident.opened.'));
  const escalations: Record<string, number> = {};
  for (const e of evs) {
    const m = /^vigil\.v1\.escalation\.l(\d)\./.exec(e.subject);
    if (m && escalations[`l${m[1]}`] === undefined) escalations[`l${m[1]}`] = Math.round(e.receivedAt - opts.faultAt);
  }
  return {
    drill: opts.drill,
    title: opts.title,
    class: opened ? (incidentData(opened)?.class ?? null) : null,
    faultToSilentMs: silent ? Math.round(silent.receivedAt - opts.faultAt) : null,
    faultToClassifiedMs: opened ? Math.round(opened.receivedAt - opts.faultAt) : null,
    escalations,
    goalMs: opts.goalMs,
    sshTimeoutMs: drill.sshTimeoutMs,
    ...(opts.note ? { note: opts.note } : {}),
  };
}

/** Prints the figures as `[measure]` lines and appends them to $VIGIL_DRILL_REPORT (JSON lines) for bench/drills. */
export function recordFigures(f: DrillFigures): void {
  if (f.faultToSilentMs !== null) report(`drill${f.drill}_fault_to_silent`, f.faultToSilentMs, 'ms');
  if (f.faultToClassifiedMs !== null) report(`drill${f.drill}_fault_to_classified`, f.faultToClassifiedMs, 'ms');
  for (const [level, v] of Object.entries(f.escalations)) report(`drill${f.drill}_fault_to_${level}`, v, 'ms');
  const file = process.env.VIGIL_DRILL_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(f)}\n`);
}
