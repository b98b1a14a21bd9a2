import { ProbeRunner, type ProbeRunnerOptions } from './runner.js';
import { PROBES } from './table.js';
import type { ProbeTable } from './types.js';

export { PROBES, PROBE_KINDS } from './table.js';

/** A runner over the built-in probes; `probes` replaces some of them (e.g. ping run another way). */
export function createProbeRunner(options: ProbeRunnerOptions = {}, probes: Partial<ProbeTable> = {}): ProbeRunner {
  return new ProbeRunner({ ...PROBES, ...probes }, options);
}

export { ProbeRunner, type ProbeRunnerOptions } from './runner.js';
export { validateProbeRequest, probeRequestSchema, MAX_PROBE_TIMEOUT_MS, MIN_PROBE_TIMEOUT_MS, type ProbeValidation } from './schema.js';
export { capResult, capText, RESULT_CAPS } from './cap.js';
export { targetProblem, isNeverResolvable } from './target.js';
export { parsePingOutput, judgePing, pingArgv, createPingProbe, pingProbe, type PingSummary, type PingProbeOptions } from './ping.js';
export { scanSshBanner, createSshProbe, sshProbe, SSH_BANNER_MAX_BYTES, type BannerScan, type SshProbeOptions } from './ssh.js';
export { createDnsProbe, dnsProbe, systemResolve, type DnsProbeOptions, type ResolveAll } from './dns.js';
export { createTcpProbe, tcpProbe, type TcpProbeOptions } from './tcp.js';
export { createHttpProbe, httpProbe, httpExchange, probeUrl, isUpStatus, type HttpExchange, type HttpExchangeOptions, type HttpProbeOptions } from './http.js';
export { connectTcp, type TcpConnection } from './connect.js';
export { execInProcess, type ExecFile, type ExecOptions, type ExecOutcome } from './exec.js';
export type * from './types.js';
export { probeInputFromWire, probeResultToWire, type WireProbeRequest } from './wire.js';
