/** Milliseconds to the microsecond: finer digits are timer noise and bloat every result. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
