import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Coordinator } from '../helpers/coordinator.js';
import { freePort } from '../helpers/free-port.js';
import { getJson, listHosts } from '../helpers/http.js';
import { NatsServer } from '../helpers/nats-server.js';
import { sleep, waitFor } from '../helpers/poll.js';
import type { Child } from '../helpers/processes.js';
import { fixture, startServiceAgent, type ServiceAgent, type ServiceAgentOptions } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';
import type { Downtime, IncidentsBeforeKill } from './invariants.js';
import { JournalTracker } from './journal-read.js';
import type { Fault, FaultKind } from './plan.js';

/** The agents' heartbeat interval: silence needs 2 s without one, wide for a loaded machine. */
export const AGENT_INTERVAL = '1s';
export const SERVICE = 'web';
/**
 * A coordinator start slower than this is a failure. Starts took up to 15 s with the
 * machine's load at 10 on 2 cores (other test runs beside this one); the time of each
 * start is reported, so a slow one is seen without failing the run.
 */
const COORDINATOR_START_TIMEOUT_MS = 60_000;

interface Host {
  id: string;
  dataDir: string;
  port: number;
  agent: ServiceAgent;
}

export interface ExecutedFault {
  fault: Fault;
  /** Wall clock (ms) of the SIGKILL. */
  killedAt: number;
  /** Wall clock (ms) when the process was started again (agent: spawned; others: ready). */
  restartedAt?: number;
  /** A service fault that found no live service process to kill (the agent was restarting it). */
  skipped?: string;
}

export interface Crash {
  name: string;
  pid: number;
  exit: string;
  output: string;
}

/**
 * The chaos rig: a real nats-server, coordinator and agents (each watching one process
 * service, the HTTP fixture), and the means to SIGKILL each and start it again on the
 * same port and data dir. It keeps the record the invariants are judged on: downtimes of
 * each agent, incidents open before each coordinator kill, journals sampled while the
 * agents write them, and every process that ended without being killed (a crash).
 */
export class ChaosRig {
  readonly executed: ExecutedFault[] = [];
  readonly downtimes: Downtime[] = [];
  readonly incidentsBeforeKills: IncidentsBeforeKill[] = [];
  /** Incidents listed before a kill that the restarted coordinator did not know. */
  readonly incidentsMissingAfterRestart: string[] = [];
  readonly crashes: Crash[] = [];
  /** How long each coordinator start took, until ports.json and /healthz (ms). */
  readonly coordinatorStartMs: number[] = [];
  /** Per coordinator restart with every agent running throughout: ms until all were heard again. */
  readonly reconnectMs: number[] = [];
  readonly journals: JournalTracker;
  /** Processes deliberately down now (killed, not yet started again). */
  private readonly down = new Set<string>();
  private readonly watched = new Set<number>();
  private sampler: NodeJS.Timeout | undefined;
  private natsCrashSeen = false;
  private sampling = true;

  private constructor(
    readonly nats: NatsServer,
    readonly coordinator: Coordinator,
    readonly hosts: Map<string, Host>,
  ) {
    this.journals = new JournalTracker(new Map([...hosts.values()].map((h) => [h.id, h.dataDir])));
  }

  static async start(hostIds: readonly string[]): Promise<ChaosRig> {
    const nats = await NatsServer.start();
    const coordinator = await Coordinator.start({ nats: nats.url, logLevel: 'warn', startTimeoutMs: COORDINATOR_START_TIMEOUT_MS });
    const hosts = new Map<string, Host>();
    for (const id of hostIds) {
      const h: Host = { id, dataDir: tempDir(`agent-${id}`), port: await freePort(), agent: undefined as unknown as ServiceAgent };
      hosts.set(id, h);
    }
    const rig = new ChaosRig(nats, coordinator, hosts);
    for (const h of hosts.values()) rig.launchAgent(h);
    rig.sampler = setInterval(() => rig.tick(), 200);
    return rig;
  }

  get hostIds(): string[] {
    return [...this.hosts.keys()];
  }

  private agentOptions(h: Host): ServiceAgentOptions {
    return {
      coordinator: this.coordinator.grpcTarget,
      hostId: h.id,
      dataDir: h.dataDir,
      interval: AGENT_INTERVAL,
      logLevel: 'warn',
      services: [
        {
          name: SERVICE,
          manager: 'process',
          command: [process.execPath, fixture.httpServer],
          env: { PORT: String(h.port) },
          checks: [{ type: 'http', url: `http://127.0.0.1:${h.port}/`, interval: '1s', timeout: '1s' }],
          // Killed again and again on purpose: a budget that never runs out, short watches,
          // so that every kill makes a whole recovery's worth of events.
          recovery: { budget: { max: 100_000, window: '5s' }, watchAfterRestart: '1s', stableAfterStart: '200ms', monitorEvery: '500ms', monitorFor: '2s' },
        },
      ],
    };
  }

  private launchAgent(h: Host): void {
    h.agent = startServiceAgent(this.coordinator.baseUrl, this.agentOptions(h));
    this.watch(h.agent.agent.child, `agent:${h.id}`);
  }

  /** Every 200 ms: read the journals, and note any process that ended without being killed. */
  private tick(): void {
    if (this.sampling) this.journals.sample();
    for (const h of this.hosts.values()) this.checkAlive(h.agent.agent.child, `agent:${h.id}`);
    this.checkAlive(this.coordinator.child, 'coordinator');
    if (!this.down.has('nats') && !this.nats.running && !this.natsCrashSeen) {
      this.natsCrashSeen = true;
      this.crashes.push({ name: 'nats-server', pid: 0, exit: 'ended without being killed', output: this.nats.output() });
    }
  }

  /** About to SIGKILL this process: its end is not a crash. */
  private goingDown(key: string, child?: Child): void {
    if (child) {
      this.checkAlive(child, key);
      this.watched.add(child.pid);
    }
    this.down.add(key);
  }

  private watch(child: Child, key: string): void {
    void child.exited.then(() => this.checkAlive(child, key));
  }

  private checkAlive(child: Child, key: string): void {
    if (child.running || this.down.has(key) || this.watched.has(child.pid)) return;
    this.watched.add(child.pid);
    const exit = child.exitInfo!;
    this.crashes.push({ name: child.name, pid: child.pid, exit: `code=${exit.code} signal=${exit.signal}`, output: child.output() });
  }

  /** The pid of the running service process, from the agent's own record of it. */
  private servicePid(h: Host): number | undefined {
    const file = join(h.dataDir, 'services', `${SERVICE}.process.json`);
    if (!existsSync(file)) return undefined;
    let pid: number;
    try {
      pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid ?? 0;
    } catch {
      return undefined;
    }
    // Only the fixture: a recorded pid that is gone may have been reused by anything.
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(fixture.httpServer) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async execute(fault: Fault): Promise<void> {
    switch (fault.kind) {
      case 'coordinator':
        return this.killCoordinator(fault);
      case 'nats':
        return this.killNats(fault);
      case 'agent':
        return this.killAgent(fault);
      case 'service':
        return this.killService(fault);
    }
  }

  private async killCoordinator(fault: Extract<Fault, { kind: 'coordinator' }>): Promise<void> {
    // What an operator saw as open just before: it must all be there after the restart.
    const open = await this.openIncidents().catch(() => undefined);
    const key = 'coordinator';
    this.goingDown(key, this.coordinator.child);
    const record: ExecutedFault = { fault, killedAt: Date.now() };
    await this.coordinator.kill();
    if (open) this.incidentsBeforeKills.push({ killAt: record.killedAt, ids: open });
    this.executed.push(record);
    await sleep(fault.downMs);
    const startAt = performance.now();
    await this.coordinator.startAgain();
    this.coordinatorStartMs.push(performance.now() - startAt);
    record.restartedAt = Date.now();
    this.down.delete(key);
    this.watch(this.coordinator.child, key);
    void this.measureReconnect(record.restartedAt);
    for (const id of open ?? []) {
      const found = await getJson(`${this.coordinator.baseUrl}/v1/incidents/${encodeURIComponent(id)}`).then(
        () => true,
        (err: Error) => (/→ 404/.test(err.message) ? false : true),
      );
      if (!found) this.incidentsMissingAfterRestart.push(`${id} (open before the kill at ${new Date(record.killedAt).toISOString()})`);
    }
  }

  /**
   * How long after a coordinator restart every agent that ran throughout is heard from
   * again (a figure, not an invariant); given up if anything is killed meanwhile.
   */
  private async measureReconnect(restartedAt: number): Promise<void> {
    const agents = new Map([...this.hosts.values()].map((h) => [h.id, h.agent.agent.pid]));
    const coordinatorRuns = this.coordinator.exits.length;
    const untouched = () =>
      this.coordinator.exits.length === coordinatorRuns && [...this.hosts.values()].every((h) => h.agent.agent.pid === agents.get(h.id) && h.agent.agent.running);
    const heard = (hosts: { id: string; lastSeen: string | null }[]) =>
      this.hostIds.every((id) => {
        const seen = hosts.find((x) => x.id === id)?.lastSeen;
        return seen != null && Date.parse(seen) >= restartedAt;
      });
    while (untouched() && Date.now() - restartedAt < 30_000) {
      const hosts = await listHosts(this.coordinator.baseUrl).catch(() => []);
      if (!untouched()) return;
      if (heard(hosts)) {
        this.reconnectMs.push(Date.now() - restartedAt);
        return;
      }
      await sleep(100);
    }
  }

  private async openIncidents(): Promise<string[]> {
    const r = await getJson<{ incidents: { id: string; state: string }[] }>(`${this.coordinator.baseUrl}/v1/incidents?limit=1000`);
    return r.incidents.filter((i) => i.state !== 'resolved').map((i) => i.id);
  }

  private async killNats(fault: Extract<Fault, { kind: 'nats' }>): Promise<void> {
    this.goingDown('nats');
    const record: ExecutedFault = { fault, killedAt: Date.now() };
    await this.nats.kill();
    this.executed.push(record);
    await sleep(fault.downMs);
    await this.nats.startAgain();
    record.restartedAt = Date.now();
    this.down.delete('nats');
  }

  private async killAgent(fault: Extract<Fault, { kind: 'agent' }>): Promise<void> {
    const h = this.hosts.get(fault.host)!;
    const key = `agent:${h.id}`;
    this.goingDown(key, h.agent.agent.child);
    const record: ExecutedFault = { fault, killedAt: Date.now() };
    const downtime: Downtime = { host: h.id, from: record.killedAt, to: undefined };
    this.downtimes.push(downtime);
    await h.agent.agent.kill();
    this.executed.push(record);
    await sleep(fault.downMs);
    downtime.to = record.restartedAt = Date.now();
    this.launchAgent(h);
    this.down.delete(key);
  }

  private async killService(fault: Extract<Fault, { kind: 'service' }>): Promise<void> {
    const h = this.hosts.get(fault.host)!;
    const record: ExecutedFault = { fault, killedAt: Date.now() };
    const pid = this.servicePid(h);
    if (pid === undefined) record.skipped = 'no live service process';
    else {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        record.skipped = `pid ${pid} gone`;
      }
    }
    this.executed.push(record);
  }

  /**
   * From now on the journals are read only when the caller samples them, so the view the
   * invariants judge is the one taken beside the store's (events keep coming: a budget
   * given back after a quiet window is an event too).
   */
  stopSampling(): void {
    this.sampling = false;
  }

  /** Faults carried out, by kind (skipped service kills left out). */
  counts(): Record<FaultKind, number> {
    const n: Record<FaultKind, number> = { coordinator: 0, nats: 0, agent: 0, service: 0 };
    for (const e of this.executed) if (!e.skipped) n[e.fault.kind]++;
    return n;
  }

  /**
   * After the last fault: every host online and heard from since `sinceWall`, every
   * service running with its checks passing.
   */
  async settle(sinceWall: number, timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        const hosts = await listHosts(this.coordinator.baseUrl);
        return this.hostIds.every((id) => {
          const h = hosts.find((x) => x.id === id);
          return h?.state === 'online' && h.lastSeen !== null && Date.parse(h.lastSeen) >= sinceWall;
        });
      },
      { timeoutMs, intervalMs: 100, what: 'every host online and heard from after the last fault', observe: () => listHosts(this.coordinator.baseUrl) },
    );
    for (const h of this.hosts.values()) await h.agent.waitHealthy(SERVICE, { timeoutMs });
  }

  async stop(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    for (const key of ['coordinator', 'nats', ...this.hostIds.map((id) => `agent:${id}`)]) this.down.add(key);
    // An agent that does not stop within its grace is killed and leaves its service
    // running (its own process group, on purpose): end those by the recorded pid.
    const services = () => [...this.hosts.values()].map((h) => this.servicePid(h)).filter((p): p is number => p !== undefined);
    const before = services();
    await Promise.all([...this.hosts.values()].map((h) => h.agent.stop(3000)));
    for (const pid of new Set([...before, ...services()])) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(fixture.httpServer)) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.coordinator.stop(5000).catch(() => undefined);
    await this.nats.dispose();
  }
}
