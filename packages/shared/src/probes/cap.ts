import type { ProbeDetail, ProbeError, ProbeResult } from './types.js';

/**
 * Caps on what a result may carry. A probe reports on a host that may be hostile or
 * broken, so nothing it sends back is trusted to be short.
 */
export const RESULT_CAPS = {
  id: 128,
  kind: 16,
  target: 253,
  message: 512,
  /** RFC 4253 section 4.2: the identification line is at most 255 characters with CR LF. */
  banner: 255,
  url: 2048,
  address: 64,
  addresses: 16,
} as const;

/** Cuts `text` to `max` UTF-16 units without leaving half a surrogate pair, marking the cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

function capError(error: ProbeError): ProbeError {
  return { code: error.code, message: capText(error.message, RESULT_CAPS.message) };
}

function capDetail(detail: ProbeDetail): ProbeDetail {
  switch (detail.kind) {
    case 'ssh':
      return { ...detail, banner: detail.banner === null ? null : capText(detail.banner, RESULT_CAPS.banner) };
    case 'dns':
      return {
        ...detail,
        addresses: detail.addresses.slice(0, RESULT_CAPS.addresses).map((a) => capText(a, RESULT_CAPS.address)),
      };
    case 'http':
      return { ...detail, url: capText(detail.url, RESULT_CAPS.url) };
    case 'ping':
    case 'tcp':
      return detail;
  }
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
