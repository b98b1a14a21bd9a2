import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { COORDINATOR_BIN, COORDINATOR_NODE_FLAGS, spawnChild, type Child, type ExitInfo } from './processes.js';
import { getRaw, trustCa } from './http-get.js';
import { waitFor } from './poll.js';
import { tempDir } from './temp-dir.js';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface CoordinatorOptions {
  /** NATS URL, or 'none' to run without NATS. */
  nats: string;
  /** @default a new temp dir */
  dataDir?: string;
  tls?: TlsFiles;
  id?: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0, the coordinator picks a port and reports it in ports.json */
  grpcPort?: number;
  /** @default 0 */
  httpPort?: number;
  /** @default 'info' */
  logLevel?: string;
  extraArgs?: string[];
  /** Arguments for node itself, before the program (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /**
   * A coordinator launcher to run instead of the source tree's `dist/` (a release folder's
   * `bin/vigil-coordinator`, from `pnpm run package`), so a bench measures what ships: one
   * bundle, started with the launcher's own flags. `nodeArgs` then reach node through the
   * launcher's VIGIL_NODE_FLAGS.
   */
  program?: string;
  /** Working directory of the process (where --cpu-prof writes). @default the repository root */
  cwd?: string;
  /** Extra environment variables of the process (e.g. GRPC_TRACE). */
  env?: Record<string, string>;
  /**
   * How long each step of a start may take before it is a failure (ports.json, then
   * /healthz). Chaos runs raise it: on a loaded machine a start can take longer than a
   * test would wait.
   * @default 15000 for ports.json, 10000 for /healthz
   */
  startTimeoutMs?: number;
}

/**
 * A `vigil-coordinator` process in a data dir of its own. `restart()` keeps the data dir
 * and the ports it had, so agents find it again where they left it.
 */
export class Coordinator {
  readonly dataDir: string;
  child!: Child;
  grpcPort = 0;
  httpPort = 0;
  /** How each previous run of this coordinator ended. */
  readonly exits: ExitInfo[] = [];
  private readonly opts: CoordinatorOptions;
  private runs = 0;

  private constructor(opts: CoordinatorOptions) {
    this.opts = opts;
    this.dataDir = opts.dataDir ?? tempDir('coordinator');
    this.grpcPort = opts.grpcPort ?? 0;
    this.httpPort = opts.httpPort ?? 0;
  }

  static async start(opts: CoordinatorOptions): Promise<Coordinator> {
    const c = new Coordinator(opts);
    await c.launch();
    return c;
  }

  get host(): string {
    return this.opts.host ?? '127.0.0.1';
  }

  /** The HTTP API; https when the coordinator runs with TLS (its CA is trusted by http-get.ts). */
  get baseUrl(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${this.httpPort}`;
  }

  /** What an agent passes as `--coordinator`. */
  get grpcTarget(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  get pid(): number {
    return this.child.pid;
  }

  get portsFile(): string {
    return join(this.dataDir, 'ports.json');
  }

  /** The command-line arguments of the next run. */
  args(): string[] {
    const o = this.opts;
    const args = [
      '--grpc', `${this.host}:${this.grpcPort}`,
      '--http', `${this.host}:${this.httpPort}`,
      '--nats', o.nats,
      '--data-dir', this.dataDir,
      '--log-level', o.logLevel ?? 'info',
    ];
    if (o.id) args.push('--id', o.id);
    if (o.tls) args.push('--tls-ca', o.tls.ca, '--tls-cert', o.tls.cert, '--tls-key', o.tls.key);
    return args.concat(o.extraArgs ?? []);
  }

  private async launch(): Promise<void> {
    // A ports.json left by the previous run would announce ports before they are bound.
    rmSync(this.portsFile, { force: true });
    this.runs += 1;
    const name = `vigil-coordinator#${this.runs}`;
    const { program, nodeArgs = [] } = this.opts;
    // The launcher runs this Node, as the source tree's program would.
    const launcherEnv = program ? { VIGIL_NODE: process.execPath, ...(nodeArgs.length > 0 ? { VIGIL_NODE_FLAGS: nodeArgs.join(' ') } : {}) } : {};
    const env = program || this.opts.env ? { ...process.env, ...launcherEnv, ...this.opts.env } : undefined;
    const [command, args] = program ? [program, this.args()] : [process.execPath, [...COORDINATOR_NODE_FLAGS, ...nodeArgs, COORDINATOR_BIN, ...this.args()]];
    const child = spawnChild({ name, command, args, env, cwd: this.opts.cwd });
    this.child = child;
    const ports = await waitFor(
      () => {
        if (!child.running) throw new Error(`vigil-coordinator exited before writing ports.json`);
        if (!existsSync(this.portsFile)) return undefined;
        const p = JSON.parse(readFileSync(this.portsFile, 'utf8')) as { grpc?: unknown; http?: unknown };
        return typeof p.grpc === 'number' && typeof p.http === 'number' && p.grpc > 0 && p.http > 0 ? { grpc: p.grpc, http: p.http } : undefined;
      },
      { timeoutMs: this.opts.startTimeoutMs ?? 15_000, what: `${this.portsFile}`, observe: () => child.output() },
    );
    this.grpcPort = ports.grpc;
    this.httpPort = ports.http;
    if (this.opts.tls) trustCa(this.baseUrl, this.opts.tls.ca);
    await waitFor(
      async () => {
        if (!child.running) throw new Error('vigil-coordinator exited');
        await getRaw(`${this.baseUrl}/healthz`, 1000);
        return true;
      },
      { timeoutMs: this.opts.startTimeoutMs ?? 10_000, what: `${this.baseUrl}/healthz to answer`, observe: () => child.output() },
    );
  }

  /** SIGTERM by PID, wait for the exit and return it. */
  async stop(graceMs = 10_000): Promise<ExitInfo> {
    const exit = await this.child.stop(graceMs);
    this.exits.push(exit);
    return exit;
  }

  async kill(): Promise<ExitInfo> {
    const exit = await this.child.kill();
    this.exits.push(exit);
    return exit;
  }

  /** Starts again with the same data dir and the same ports (it must be stopped). */
  async startAgain(): Promise<void> {
    if (this.child.running) throw new Error('vigil-coordinator is still running');
    await this.launch();
  }

  /** SIGTERM, then start again on the same ports and data dir. Returns how the old run ended. */
  async restart(): Promise<ExitInfo> {
    const exit = await this.stop();
    await this.launch();
    return exit;
  }

  output(): string {
    return this.child.output();
  }
}
