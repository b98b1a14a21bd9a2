/**
 * The runbook's root-cause log patterns (section 5), used by step 3 when no log module is
 * plugged in. Matched as written in the runbook (case-sensitive substrings).
 */
export const RUNBOOK_ERROR_PATTERNS: readonly RegExp[] = [
  // memory_exhaustion
  /OutOfMemoryError/,
  /Cannot allocate memory/,
  /killed by signal 9/,
  // disk_space_full
  /No space left on device/,
  /Disk quota exceeded/,
  // configuration_error
  /Configuration error/,
  /Invalid configuration/,
  /Failed to parse/,
  // address_in_use
  /EADDRINUSE/,
  /[Aa]ddress already in use/,
];

/** Step 3's judge of "no error logs": true when any line shows a runbook pattern. */
export type ErrorPatternMatcher = (lines: readonly string[]) => boolean;

export const hasRunbookErrorPattern: ErrorPatternMatcher = (lines) => lines.some((l) => RUNBOOK_ERROR_PATTERNS.some((p) => p.test(l)));
