import { quoteText } from './quote.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a duration such as `500ms`, `5s`, `1.5m`, `2h` into milliseconds.
 * A bare number is rejected: a unit-less "5" is ambiguous and has paged people at 5 ms.
 */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`${quoteText(text)} is not a duration (use a number with ms, s, m, h or d, e.g. 500ms, 5s, 1m)`);
  const ms = Number(m[1]) * UNITS[m[2]!]!;
  if (!Number.isFinite(ms)) throw new Error(`${quoteText(text)} is not a finite duration`);
  return Math.round(ms);
}

/** Formats milliseconds back into the shortest exact duration string. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNITS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
