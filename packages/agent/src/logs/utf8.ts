/**
 * The largest index `<= end` at which `buf.subarray(0, index)` does not end inside a
 * multi-byte UTF-8 character. Looks only at bytes before `end`, so it also works when the
 * bytes after the cut were never kept.
 */
export function utf8Boundary(buf: Uint8Array, end: number): number {
  const stop = Math.min(Math.max(0, end), buf.length);
  // Step back over continuation bytes (10xxxxxx) to the lead byte of the last character.
  let lead = stop - 1;
  while (lead >= 0 && stop - lead <= 4 && (buf[lead]! & 0xc0) === 0x80) lead--;
  if (lead < 0) return stop;
  const b = buf[lead]!;
  const size = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return lead + size <= stop ? stop : lead;
}

const ELLIPSIS = '…';
const ELLIPSIS_BYTES = 3;

/**
 * `text` cut to at most `maxBytes` bytes of UTF-8, never inside a character. A cut text
 * ends with "…" (counted in the limit) so a reader knows it was cut.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Fast path: a UTF-16 unit is at most 3 bytes of UTF-8, so short strings cannot exceed the cap.
  if (text.length * 3 <= maxBytes) return text;
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  if (maxBytes < ELLIPSIS_BYTES) return buf.toString('utf8', 0, utf8Boundary(buf, maxBytes));
  return buf.toString('utf8', 0, utf8Boundary(buf, maxBytes - ELLIPSIS_BYTES)) + ELLIPSIS;
}

/** `text` cut to at most `maxBytes` bytes of UTF-8 without a marker, never inside a character. */
export function cutUtf8(text: string, maxBytes: number): { text: string; cut: boolean } {
  if (text.length * 3 <= maxBytes) return { text, cut: false };
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return { text, cut: false };
  return { text: buf.toString('utf8', 0, utf8Boundary(buf, maxBytes)), cut: true };
}
