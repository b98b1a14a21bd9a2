import type { ValidProbeResult } from '../schemas/messages.js';
import type { ProbeResult } from './types.js';

/** A ProbeRequest as decoded from the wire, where proto3 sends 0 and "" for "not set". */
export interface WireProbeRequest {
  requestId: string;
  kind: string;
  target: string;
  port: number;
  url: string;
  timeoutMs: number;
}

/** The runner's input for a wire request: zeros and empty strings mean absent. */
export function probeInputFromWire(r: WireProbeRequest): Record<string, unknown> {
  return {
    id: r.requestId,
    kind: r.kind,
    target: r.target,
    ...(r.port ? { port: r.port } : {}),
    ...(r.url ? { url: r.url } : {}),
    ...(r.timeoutMs ? { timeoutMs: r.timeoutMs } : {}),
  };
}

const REFUSALS = new Set(['busy', 'rate_limited', 'stopped', 'invalid_request']);

/** Flattens a runner result into the contract's ProbeResult message. */
export function probeResultToWire(r: ProbeResult): ValidProbeResult {
  const d = r.detail;
  const refused = r.error && REFUSALS.has(r.error.code) ? r.error.code : d?.kind === 'dns' && d.skipped ? 'skipped' : '';
  return {
    requestId: r.id,
    kind: r.kind,
    target: r.target,
    ok: r.ok,
    durationMs: r.durationMs,
    error: r.error ? `${r.error.code}: ${r.error.message}` : '',
    transmitted: d?.kind === 'ping' ? d.transmitted : 0,
    received: d?.kind === 'ping' ? d.received : 0,
    lossPercent: d?.kind === 'ping' ? d.lossPercent : 0,
    rttAvgMs: d?.kind === 'ping' ? (d.rttAvgMs ?? 0) : 0,
    banner: d?.kind === 'ssh' ? (d.banner ?? '') : '',
    addresses: d?.kind === 'dns' ? [...d.addresses] : [],
    statusCode: d?.kind === 'http' ? (d.status ?? 0) : 0,
    refused,
  };
}
