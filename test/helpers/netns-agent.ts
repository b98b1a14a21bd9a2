import { agentArgs, type AgentOptions } from './agent.js';
import type { NetHost, TestNet } from './netns.js';
import { AGENT_BIN, type Child, type ExitInfo } from './processes.js';
import { tempDir } from './temp-dir.js';

/**
 * A `vigil-agent` process inside a host's network namespace: the same command line as
 * `Agent` (agent.ts) builds, run through `ip netns exec`. It reaches the coordinator over
 * the test bridge, so it needs `tls` (a non-loopback coordinator requires mutual TLS).
 */
export class NetnsAgent {
  readonly hostId: string;
  readonly dataDir: string;
  readonly child: Child;

  constructor(
    net: TestNet,
    readonly host: NetHost,
    opts: AgentOptions,
  ) {
    this.hostId = opts.hostId;
    this.dataDir = opts.dataDir ?? tempDir(`agent-${opts.hostId}`);
    this.child = net.exec(host, `vigil-agent ${opts.hostId} (${host.ns})`, [AGENT_BIN, ...agentArgs(opts, this.dataDir)]);
  }

  get pid(): number {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.running;
  }

  /** SIGKILL: the kernel closes its connection, no Goodbye. */
  kill(): Promise<ExitInfo> {
    return this.child.kill();
  }

  /** SIGTERM: Goodbye, then exit. */
  stop(graceMs = 5000): Promise<ExitInfo> {
    return this.child.stop(graceMs);
  }

  output(): string {
    return this.child.output();
  }
}
