import { PROBES } from './table.js';
import { capText, RESULT_CAPS } from './text-cap.js';
import type { Probe, ProbeDetail, ProbeError, ProbeResult } from './types.js';

export { capText, RESULT_CAPS };

function capError(error: ProbeError): ProbeError {
  return { code: error.code, message: capText(error.message, RESULT_CAPS.message) };
}

/** Each kind caps its own detail (Probe.capDetail); a kind without one carries nothing unbounded. */
function capDetail(detail: ProbeDetail): ProbeDetail {
  const probe = PROBES[detail.kind] as Probe | undefined;
  return probe?.capDetail ? probe.capDetail(detail as never) : detail;
}

/** Applied to every result on its way out, whatever produced it. */
export function capResult(result: ProbeResult): ProbeResult {
  const capped: ProbeResult = {
    ...result,
    id: capText(result.id, RESULT_CAPS.id),
    kind: capText(result.kind, RESULT_CAPS.kind),
    target: capText(result.target, RESULT_CAPS.target),
    detail: result.detail === null ? null : capDetail(result.detail),
  };
  if (result.error) return { ...capped, error: capError(result.error) };
  return capped;
}
