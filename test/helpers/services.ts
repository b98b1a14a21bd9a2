import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAgent, startedAgentDataDirs, type Agent, type AgentOptions } from './agent.js';
import { killLeftServices } from './left-services.js';
import { getJson, getRaw, type HostDetail } from './http.js';
import { waitFor } from './poll.js';
import { tempDir } from './temp-dir.js';
import type { LogFinding } from '@vigil/shared';

/**
 * Agents that watch services: a generated YAML config with a `services:` list, and the
 * coordinator's view of them (GET /v1/hosts/:id serviceStatus, events, findings,
 * incidents). Service processes are children of the agent, in their own process groups;
 * `killServiceLeftovers()` ends any the agent did not stop, by the PIDs seen in reports.
 */

/** The agent's fixture services (packages/agent/test-fixtures). */
export const AGENT_FIXTURES = fileURLToPath(new URL('../../packages/agent/test-fixtures/', import.meta.url));
/** Fixture services of the end-to-end tests (test/e2e/fixtures). */
export const E2E_FIXTURES = fileURLToPath(new URL('../e2e/fixtures/', import.meta.url));

export const fixture = {
  httpServer: join(AGENT_FIXTURES, 'http-server.mjs'),
  failParse: join(AGENT_FIXTURES, 'fail-parse.mjs'),
  hang: join(AGENT_FIXTURES, 'hang.mjs'),
  dieEvery: join(AGENT_FIXTURES, 'die-every.mjs'),
  logService: join(E2E_FIXTURES, 'log-service.mjs'),
};

// ---------------------------------------------------------------- YAML

type Yamlable = string | number | boolean | null | undefined | Yamlable[] | { [k: string]: Yamlable };

/**
 * A small YAML writer for configs made of mappings, lists and scalars. Strings are
 * written as double-quoted scalars (JSON string syntax is valid YAML), so no value can be
 * mistaken for another type. Undefined entries are left out.
 */
export function toYaml(value: Yamlable, indent = 0): string {
  const pad = ' '.repeat(indent);
  const scalar = (v: Yamlable): string => (typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : String(v));
  const isScalar = (v: Yamlable) => v === null || typeof v !== 'object';
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    return value
      .map((item) => {
        if (isScalar(item)) return `${pad}- ${scalar(item)}\n`;
        if (Array.isArray(item)) return `${pad}-\n${toYaml(item, indent + 2)}`;
        const body = toYaml(item, indent + 2);
        return `${pad}- ${body.slice(indent + 2)}`;
      })
      .join('');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return `${pad}{}\n`;
    return entries
      .map(([k, v]) => {
        const key = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k);
        if (isScalar(v)) return `${pad}${key}: ${scalar(v)}\n`;
        if (Array.isArray(v) && v.length === 0) return `${pad}${key}: []\n`;
        if (!Array.isArray(v) && Object.keys(v as object).length === 0) return `${pad}${key}: {}\n`;
        return `${pad}${key}:\n${toYaml(v, indent + 2)}`;
      })
      .join('');
  }
  return `${pad}${scalar(value)}\n`;
}

// ---------------------------------------------------------------- the coordinator's view

export interface ServiceStatusView {
  name: string;
  state: string;
  pids: number[];
  checks: { name: string; type: string; status: string; consecutiveFailures: number; detail: string; responseMs: number }[];
  recovering: boolean;
  budgetUsed: number;
  budgetMax: number;
  exhausted: boolean;
  manager: string;
  sinceMs: number;
}

export interface AgentEventView {
  hostId: string;
  /** The agent journal's epoch the sequence number counts in ('' from agents without epochs). */
  epoch: string;
  eventSeq: number;
  atMs: number;
  at: string;
  service: string;
  type: string;
  step: string;
  detail: string;
  cause: string;
  requestId: string;
  receivedAt: number;
  /** recovery_succeeded only. */
  timeToServingMs?: number;
  timeToVerifiedMs?: number;
}

/** A finding as the coordinator's API shows it: the agent's LogFinding and the host it came from. */
export interface FindingView extends LogFinding {
  hostId: string;
}

export interface ServiceHostDetail extends HostDetail {
  lastSeq: number;
  serviceStatus: ServiceStatusView[];
  /** Newest first, at most 100. */
  events: AgentEventView[];
  findings: FindingView[];
  incidents: { id: string; class: string; service: string | null; level: number; state: string }[];
}

export interface IncidentView {
  id: string;
  hostId: string;
  service: string | null;
  class: string;
  state: string;
  level: number;
  summary: string;
  rootCause: { cause: string; excerpt: string; source: string; service: string; diagnosis: string } | null;
  openedAt: string;
  updatedAt: string;
  nextEscalationAt: string | null;
}

export interface IncidentDetailView extends IncidentView {
  timeline: { at: string; kind: string; summary: string; data: unknown }[];
}

export async function serviceHost(baseUrl: string, hostId: string): Promise<ServiceHostDetail> {
  return (await getJson<{ host: ServiceHostDetail }>(`${baseUrl}/v1/hosts/${encodeURIComponent(hostId)}`)).host;
}

export async function listIncidents(baseUrl: string, query = ''): Promise<IncidentView[]> {
  return (await getJson<{ incidents: IncidentView[] }>(`${baseUrl}/v1/incidents${query ? `?${query}` : ''}`)).incidents;
}

export async function getIncident(baseUrl: string, id: string): Promise<IncidentDetailView> {
  return (await getJson<{ incident: IncidentDetailView }>(`${baseUrl}/v1/incidents/${encodeURIComponent(id)}`)).incident;
}

/** What a GET of a fixture HTTP service answered: its status and the pid it reports. */
export async function probeService(port: number, timeoutMs = 1000): Promise<{ status: number; pid: number | undefined }> {
  const res = await getRaw(`http://127.0.0.1:${port}/`, timeoutMs);
  let pid: number | undefined;
  try {
    pid = (JSON.parse(res.body) as { pid?: number }).pid;
  } catch {
    pid = undefined;
  }
  return { status: res.status, pid };
}

/** True when the listed types occur in `events` in this order (other events may come between). */
export function inOrder(events: { type: string }[], types: string[]): boolean {
  let i = 0;
  for (const e of events) if (i < types.length && e.type === types[i]) i++;
  return i === types.length;
}

/** `type[:step]` per event, for failure messages. */
export function describeEvents(events: AgentEventView[]): string {
  return events.map((e) => `${e.eventSeq}:${e.type}${e.step ? `(${e.step})` : ''}`).join(' ');
}

// ---------------------------------------------------------------- agents with services

/** One entry of the agent config's `services:` list, as written in YAML. */
export type ServiceDecl = { [k: string]: Yamlable };

/** Every PID a service was seen with, so a test can end what its agent left behind. */
const seenServicePids = new Set<number>();

export interface ServiceAgentOptions extends Omit<AgentOptions, 'extraArgs'> {
  services: ServiceDecl[];
  /** Extra top-level keys of the config file (e.g. logPatterns). */
  extraConfig?: { [k: string]: Yamlable };
}

/** An agent started with `--config` naming a generated YAML file that declares `services`. */
export class ServiceAgent {
  readonly agent: Agent;
  readonly configPath: string;
  readonly configText: string;

  constructor(
    readonly baseUrl: string,
    opts: ServiceAgentOptions,
  ) {
    const dir = tempDir(`agent-config-${opts.hostId}`);
    this.configPath = join(dir, 'agent.yaml');
    this.configText = toYaml({ ...opts.extraConfig, services: opts.services });
    writeFileSync(this.configPath, this.configText);
    const { services: _s, extraConfig: _e, ...agentOpts } = opts;
    this.agent = startAgent({ ...agentOpts, extraArgs: ['--config', this.configPath] });
  }

  get hostId(): string {
    return this.agent.hostId;
  }

  /** The agent's event journal (`<dataDir>/events/events.jsonl`), as written on disk. */
  journal(): { eventSeq: number; type: string; step: string; service: string; atMs: number }[] {
    const file = join(this.agent.dataDir, 'events', 'events.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { eventSeq: number; type: string; step: string; service: string; atMs: number }];
        } catch {
          return [];
        }
      });
  }

  async detail(): Promise<ServiceHostDetail> {
    const d = await serviceHost(this.baseUrl, this.hostId);
    for (const s of d.serviceStatus ?? []) for (const p of s.pids) seenServicePids.add(p);
    return d;
  }

  async status(service: string): Promise<ServiceStatusView | undefined> {
    return (await this.detail()).serviceStatus.find((s) => s.name === service);
  }

  /** The coordinator's events of one service, oldest first. */
  async events(service?: string): Promise<AgentEventView[]> {
    const d = await this.detail();
    return d.events.filter((e) => service === undefined || e.service === service).sort((a, b) => a.eventSeq - b.eventSeq);
  }

  /**
   * Polls until the service is reported running, not recovering, with every check passing
   * (and, given `pid`, with that main process).
   */
  async waitHealthy(service: string, opts: { pid?: number; timeoutMs?: number } = {}): Promise<ServiceStatusView> {
    return waitFor(
      async () => {
        if (!this.agent.running) throw new Error(`agent ${this.hostId} exited\n${this.agent.output()}`);
        const s = await this.status(service);
        const ok = s && s.state === 'running' && !s.recovering && s.pids.length > 0 && s.checks.every((c) => c.status === 'passing');
        return ok && (opts.pid === undefined || s.pids[0] === opts.pid) ? s : undefined;
      },
      {
        timeoutMs: opts.timeoutMs ?? 15_000,
        intervalMs: 50,
        what: `${this.hostId}/${service} running${opts.pid ? ` as pid ${opts.pid}` : ''} with its checks passing`,
        observe: () => this.status(service),
      },
    );
  }

  /** Polls the coordinator until `pred` holds for the service's events (oldest first); returns them. */
  async waitEvents(service: string, pred: (events: AgentEventView[]) => boolean, what: string, timeoutMs = 15_000): Promise<AgentEventView[]> {
    return waitFor(
      async () => {
        if (!this.agent.running) throw new Error(`agent ${this.hostId} exited\n${this.agent.output()}`);
        const events = await this.events(service);
        return pred(events) ? events : undefined;
      },
      { timeoutMs, intervalMs: 50, what, observe: async () => describeEvents(await this.events(service)) },
    );
  }

  /** Stops the agent and, unless told to leave them, its process services (Agent.stop). */
  stop(graceMs = 5000, opts: { leaveServices?: boolean } = {}) {
    return this.agent.stop(graceMs, opts);
  }
}


export function startServiceAgent(baseUrl: string, opts: ServiceAgentOptions): ServiceAgent {
  return new ServiceAgent(baseUrl, opts);
}

/**
 * For afterAll, after the agents were stopped: a service process seen in a report that is
 * still alive (its agent was killed, say) is ended by its PID, and every service an agent
 * of this file released on a graceful stop (its record names it) by its process group.
 * Stopping an agent with SIGTERM leaves its process services serving, by design; a test
 * must not leave them behind.
 */
export function killServiceLeftovers(): number[] {
  const killed: number[] = [];
  for (const pid of seenServicePids) {
    try {
      process.kill(pid, 0);
    } catch {
      continue;
    }
    // Only a process that still runs one of our fixtures: a recycled PID is someone else's.
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes('test-fixtures') && !cmdline.includes('e2e/fixtures')) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  seenServicePids.clear();
  for (const dir of startedAgentDataDirs()) killed.push(...killLeftServices(dir));
  return killed;
}
