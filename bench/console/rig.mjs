// A real coordinator (token auth, no NATS) with real agents, and Debian's chromium driven by
// playwright-core: what the screenshots and the first-load figure run against. Processes
// are addressed by PID only and stopped by `close()`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { AGENT_BIN as AGENT, Coordinator, REPO_ROOT, spawnChild, waitFor as kitWaitFor } from '@vigil/testkit';

export { REPO_ROOT };
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const OPERATOR = { name: 'alice', role: 'operator', token: 'console-bench-operator-token-0123456789' };

export class Rig {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'vigil-console-rig-'));
    this.children = [];
    this.agents = new Map();
  }

  /** `config` is merged into the coordinator's config file (tokens are always set). */
  async startCoordinator(config = {}) {
    if (!existsSync(join(REPO_ROOT, 'packages/console/dist/index.html'))) throw new Error('the console is not built: run `pnpm run build` first');
    const dataDir = join(this.dir, 'coordinator');
    mkdirSync(dataDir, { recursive: true });
    const configFile = join(this.dir, 'coordinator.json');
    const tokens = [{ name: OPERATOR.name, role: OPERATOR.role, sha256: createHash('sha256').update(OPERATOR.token).digest('hex') }];
    writeFileSync(configFile, JSON.stringify({ ...config, tokens }));
    const coordinator = await Coordinator.start({ nats: 'none', dataDir, logLevel: 'warn', extraArgs: ['--config', configFile], startTimeoutMs: 20_000 });
    this.children.push(coordinator.child);
    this.base = coordinator.baseUrl;
    this.grpc = coordinator.grpcTarget;
  }

  /** An agent; `services` (agent config's `services:`) are written to its config file. */
  startAgent(hostId, { zone, interval = '500ms', services, labels = {} } = {}) {
    const dataDir = join(this.dir, `agent-${hostId}`);
    mkdirSync(dataDir, { recursive: true });
    const args = ['--coordinator', this.grpc, '--host-id', hostId, '--interval', interval, '--data-dir', dataDir, '--log-level', 'warn'];
    for (const [k, v] of Object.entries({ ...(zone ? { zone } : {}), ...labels })) args.push('--label', `${k}=${v}`);
    if (services) {
      const file = join(dataDir, 'agent.json');
      writeFileSync(file, JSON.stringify({ services }));
      args.push('--config', file);
    }
    const child = spawnChild({ name: `vigil-agent ${hostId}`, command: AGENT, args });
    this.children.push(child);
    this.agents.set(hostId, child);
    return child;
  }

  api(path, { method = 'GET', body } = {}) {
    return fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${OPERATOR.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }).then(async (r) => {
      const json = await r.json();
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
      return json;
    });
  }

  /** A fresh chromium profile each time: nothing cached from another run. */
  async browser(viewport = { width: 1280, height: 900 }) {
    this.context = await chromium.launchPersistentContext(join(this.dir, `chromium-${Date.now()}`), {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      viewport,
    });
    return this.context.pages()[0] ?? (await this.context.newPage());
  }

  async close() {
    await this.context?.close().catch(() => undefined);
    for (const c of [...this.children].reverse()) await c.stop(5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The kit's waitFor, polling every 100 ms as the console benches always have. */
export const waitFor = (fn, opts) => kitWaitFor(fn, { intervalMs: 100, ...opts });
