import { runbookLogMatcher, type LogFinding, type LogMatcher } from '@vigil/shared';
import { FindingsAggregator } from './findings.js';
import { cutUtf8 } from './utf8.js';

/** Matching is bounded per line as for followed logs: a huge line costs no more than 8 KiB. */
const MAX_LINE_BYTES = 8192;

/**
 * Whether any root-cause pattern occurs in `lines`. For the recovery sequence's last step,
 * which succeeds only when the service's recent logs hold none of them.
 */
export function hasErrorPattern(lines: readonly string[], matcher: LogMatcher = runbookLogMatcher()): boolean {
  return lines.some((line) => matcher.test(cutUtf8(line, MAX_LINE_BYTES).text));
}

export interface ScanOptions {
  /** @default runbookLogMatcher() */
  matcher?: LogMatcher;
  /** Time stamped on the findings. @default Date.now() */
  at?: number;
}

/** The findings in a batch of lines (e.g. `journalctl --since '5 minutes ago'`), one per cause, in table order. */
export function scanLines(lines: readonly string[], service: string, source: string, options: ScanOptions = {}): LogFinding[] {
  const matcher = options.matcher ?? runbookLogMatcher();
  const at = options.at ?? Date.now();
  const findings = new FindingsAggregator({ maxFindings: Math.max(1, matcher.table.length) });
  for (const raw of lines) {
    const line = cutUtf8(raw, MAX_LINE_BYTES).text;
    for (const row of matcher.match(line)) findings.record(service, row, source, line, at);
  }
  const order = new Map(matcher.table.map((row, i) => [row.cause, i]));
  // Table order, not order of last sight: a report reads the same for the same logs.
  return findings.drain().sort((a, b) => order.get(a.cause)! - order.get(b.cause)!);
}
