/** An excerpt is evidence, not a copy of the log: enough to recognise the line, small enough to send every heartbeat. */
export const LOG_EXCERPT_MAX_BYTES = 512;

/**
 * A root cause seen in a service's logs, aggregated per (service, cause, source); the
 * shape of the contract's `LogFinding` (checked on receipt by `findingMessageSchema`).
 * Counts are cumulative since `firstSeenMs`, so a receiver can keep the latest copy
 * without adding anything up, and a resent finding is harmless.
 */
export interface LogFinding {
  service: string;
  /** A runbook cause (`memory_exhaustion`, ...) or one added from config. */
  cause: string;
  /** A file path, or the name of a fed source such as 'journal' or 'stdout'. */
  source: string;
  /** The latest matching line, at most LOG_EXCERPT_MAX_BYTES of UTF-8. */
  excerpt: string;
  count: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Lines of this source not scanned so far because it exceeded its per-second budget. */
  skippedLines: number;
  /** The cause's row of the root-cause table, so a cause added in an agent's config arrives explained. */
  diagnosis: string;
  fix: string;
  prevention: string;
}
