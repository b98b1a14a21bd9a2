import { dnsProbe } from './dns.js';
import { httpProbe } from './http.js';
import { pingProbe } from './ping.js';
import { sshProbe } from './ssh.js';
import { tcpProbe } from './tcp.js';
import type { ProbeKind, ProbeTable } from './types.js';

/**
 * Every probe kind the agent runs for the coordinator, with the runbook's settings, one
 * line each: adding a kind is its file (a Probe, and its detail in ProbeDetails) and one
 * line here. The request schema's kinds and rules, the result caps and the wire fields
 * derive from this table; the compiler refuses a kind with no line here.
 */
export const PROBES: ProbeTable = {
  ping: pingProbe,
  ssh: sshProbe,
  dns: dnsProbe,
  tcp: tcpProbe,
  http: httpProbe,
};

/** The kinds of PROBES, in table order. */
export const PROBE_KINDS = Object.keys(PROBES) as [ProbeKind, ...ProbeKind[]];
