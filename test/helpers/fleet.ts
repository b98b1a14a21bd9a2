import { beforeEach } from 'vitest';
import { Agent, startAgent, type AgentOptions } from './agent.js';
import { Coordinator, type CoordinatorOptions } from './coordinator.js';
import { hostStates, listHosts } from './http.js';
import { EventWatcher } from './nats-watch.js';
import { NatsServer } from './nats-server.js';
import { waitFor } from './poll.js';
import { describeChildren, stopAllChildren } from './processes.js';
import { removeTempDirs } from './temp-dir.js';

/** nats-server + event watcher + coordinator + agents, all real processes on 127.0.0.1. */
export class Fleet {
  readonly agents = new Map<string, Agent>();
  constructor(
    readonly nats: NatsServer,
    readonly watcher: EventWatcher,
    readonly coordinator: Coordinator,
    private readonly agentDefaults: Partial<AgentOptions>,
  ) {}

  static async start(opts: { hostIds: string[]; interval?: string; coordinator?: Partial<CoordinatorOptions> }): Promise<Fleet> {
    const nats = await NatsServer.start();
    const watcher = await EventWatcher.start(nats.url);
    const coordinator = await Coordinator.start({ nats: nats.url, ...opts.coordinator });
    const fleet = new Fleet(nats, watcher, coordinator, { interval: opts.interval ?? '500ms' });
    for (const id of opts.hostIds) fleet.addAgent(id);
    await fleet.waitForStates(Object.fromEntries(opts.hostIds.map((id) => [id, 'online'])), 15_000);
    return fleet;
  }

  addAgent(hostId: string, opts: Partial<AgentOptions> = {}): Agent {
    const agent = startAgent({ ...this.agentDefaults, coordinator: this.coordinator.grpcTarget, hostId, ...opts });
    this.agents.set(hostId, agent);
    return agent;
  }

  agent(hostId: string): Agent {
    const a = this.agents.get(hostId);
    if (!a) throw new Error(`no agent ${hostId}`);
    return a;
  }

  /** Polls GET /v1/hosts until every listed host has the listed state; returns all states. */
  async waitForStates(want: Record<string, string>, timeoutMs = 5000): Promise<Record<string, string>> {
    return waitFor(
      async () => {
        const states = await hostStates(this.coordinator.baseUrl);
        return Object.entries(want).every(([id, s]) => states[id] === s) ? states : undefined;
      },
      { timeoutMs, intervalMs: 50, what: `hosts ${JSON.stringify(want)}`, observe: () => hostStates(this.coordinator.baseUrl) },
    );
  }

  /**
   * Polls until every listed host is online with a lastSeen at or after `sinceWallMs`
   * (Date.now() scale): it has really been heard from, not just loaded from the store.
   */
  async waitForLive(hostIds: string[], sinceWallMs: number, timeoutMs = 10_000): Promise<void> {
    await waitFor(
      async () => {
        const hosts = await listHosts(this.coordinator.baseUrl);
        return hostIds.every((id) => {
          const h = hosts.find((x) => x.id === id);
          return h?.state === 'online' && h.lastSeen !== null && Date.parse(h.lastSeen) >= sinceWallMs;
        });
      },
      { timeoutMs, intervalMs: 50, what: `${hostIds.join(', ')} online and heard from`, observe: () => listHosts(this.coordinator.baseUrl) },
    );
  }

  async stop(): Promise<void> {
    await this.watcher.close().catch(() => undefined);
    await Promise.all([...this.agents.values()].map((a) => a.stop(2000)));
    await this.coordinator.stop(5000).catch(() => undefined);
    await this.nats.stop(2000);
  }
}

/** Tear-down for afterAll: stop every process the file started (by PID), remove temp dirs. */
export async function teardown(fleet?: Fleet): Promise<void> {
  try {
    await fleet?.stop();
  } finally {
    await stopAllChildren();
    removeTempDirs();
  }
}

/** On a failing test, print the tail of every process's output under the failure. */
export function dumpLogsOnFailure(): void {
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      console.error(`process output for "${ctx.task.name}":\n${describeChildren()}`);
    });
  });
}
