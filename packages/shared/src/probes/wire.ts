import type { ValidProbeResult } from '../schemas/messages.js';
import { PROBES } from './table.js';
import type { Probe, ProbeResult, ProbeWireDetail } from './types.js';

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

const NO_DETAIL: ProbeWireDetail = { transmitted: 0, received: 0, lossPercent: 0, rttAvgMs: 0, banner: '', addresses: [], statusCode: 0, refused: '' };

/** Flattens a runner result into the contract's ProbeResult message; each kind fills its own fields (Probe.toWire). */
export function probeResultToWire(r: ProbeResult): ValidProbeResult {
  const d = r.detail;
  const probe = d ? (PROBES[d.kind] as Probe | undefined) : undefined;
  const fields: ProbeWireDetail = { ...NO_DETAIL, ...(d && probe?.toWire ? probe.toWire(d as never) : {}) };
  // A refusal of the runner is the answer, whatever the detail says.
  const refused = r.error && REFUSALS.has(r.error.code) ? r.error.code : fields.refused;
  return {
    requestId: r.id,
    kind: r.kind,
    target: r.target,
    ok: r.ok,
    durationMs: r.durationMs,
    error: r.error ? `${r.error.code}: ${r.error.message}` : '',
    transmitted: fields.transmitted,
    received: fields.received,
    lossPercent: fields.lossPercent,
    rttAvgMs: fields.rttAvgMs,
    banner: fields.banner,
    addresses: fields.addresses,
    statusCode: fields.statusCode,
    refused,
  };
}
