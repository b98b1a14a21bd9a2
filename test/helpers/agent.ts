import { AGENT_BIN, spawnProgram, type Child, type ExitInfo } from './processes.js';
import { stopLeftServices } from './left-services.js';
import { tempDir } from './temp-dir.js';
import type { TlsFiles } from './coordinator.js';

/** Every agent data dir this test process used: its records name the services left running. */
const agentDataDirs = new Set<string>();

/** The data dirs of every agent started by this test process. */
export function startedAgentDataDirs(): readonly string[] {
  return [...agentDataDirs];
}

export interface AgentOptions {
  /** HOST:PORT[,HOST:PORT...] */
  coordinator: string;
  hostId: string;
  /** @default '500ms' */
  interval?: string;
  /** @default a new temp dir */
  dataDir?: string;
  tls?: TlsFiles;
  labels?: Record<string, string>;
  /** @default 'info' */
  logLevel?: string;
  extraArgs?: string[];
}

/** The agent's command line for these options (also used to run it inside a namespace). */
export function agentArgs(opts: AgentOptions, dataDir: string): string[] {
  const args = [
    '--coordinator', opts.coordinator,
    '--host-id', opts.hostId,
    '--interval', opts.interval ?? '500ms',
    '--data-dir', dataDir,
    '--log-level', opts.logLevel ?? 'info',
  ];
  if (opts.tls) args.push('--tls-ca', opts.tls.ca, '--tls-cert', opts.tls.cert, '--tls-key', opts.tls.key);
  for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--label', `${k}=${v}`);
  args.push(...(opts.extraArgs ?? []));
  return args;
}

/** A `vigil-agent` process; every signal goes to its PID. */
export class Agent {
  readonly hostId: string;
  readonly dataDir: string;
  readonly child: Child;

  /** `launch` runs the command line somewhere else (e.g. in a network namespace). */
  constructor(opts: AgentOptions, launch: (name: string, args: string[]) => Child = (name, args) => spawnProgram(name, AGENT_BIN, args)) {
    this.hostId = opts.hostId;
    this.dataDir = opts.dataDir ?? tempDir(`agent-${opts.hostId}`);
    agentDataDirs.add(this.dataDir);
    this.child = launch(`vigil-agent ${opts.hostId}`, agentArgs(opts, this.dataDir));
  }

  get pid(): number {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.running;
  }

  /** SIGKILL: the stream ends without a Goodbye. */
  kill(): Promise<ExitInfo> {
    return this.child.kill();
  }

  /**
   * SIGTERM: the agent says Goodbye and exits. A graceful stop leaves its process services
   * running for the next agent to adopt; a test's agent takes what it ran with it unless
   * `leaveServices` says otherwise (the restart and upgrade tests), so that the next agent
   * or test finds the ports free.
   */
  async stop(graceMs = 5000, opts: { leaveServices?: boolean } = {}): Promise<ExitInfo> {
    const exit = await this.child.stop(graceMs);
    if (!opts.leaveServices) await stopLeftServices(this.dataDir);
    return exit;
  }

  /** SIGSTOP: the connection stays open, heartbeats stop. */
  freeze(): void {
    this.child.signal('SIGSTOP');
  }

  /** SIGCONT after freeze(). */
  thaw(): void {
    this.child.signal('SIGCONT');
  }

  output(): string {
    return this.child.output();
  }
}

export function startAgent(opts: AgentOptions): Agent {
  return new Agent(opts);
}
