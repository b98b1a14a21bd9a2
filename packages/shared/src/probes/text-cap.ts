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
