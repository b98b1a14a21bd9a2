import { Agent, type AgentOptions } from './agent.js';
import type { NetHost, TestNet } from './netns.js';
import { AGENT_BIN } from './processes.js';

/**
 * A `vigil-agent` process inside a host's network namespace: the same command line as
 * `Agent` builds, run through `ip netns exec`. It reaches the coordinator over the test
 * bridge, so it needs `tls` (a non-loopback coordinator requires mutual TLS).
 */
export class NetnsAgent extends Agent {
  constructor(
    net: TestNet,
    readonly host: NetHost,
    opts: AgentOptions,
  ) {
    super(opts, (name, args) => net.exec(host, `${name} (${host.ns})`, [AGENT_BIN, ...args]));
  }
}
