import { RUNBOOK_LOG_PATTERNS, type LogPatternEntry, type LogPatternTable } from './log-patterns.js';

/** Matches log lines against a root-cause table. */
export interface LogMatcher {
  readonly table: LogPatternTable;
  /** The rows with a pattern found in the first MAX_MATCHED_LINE_CHARS characters of `line`, in table order, each once; empty when none. */
  match(line: string): readonly Readonly<LogPatternEntry>[];
  /** Whether any pattern is found in `line`: cheaper than `match` when the cause does not matter. */
  test(line: string): boolean;
}

/**
 * Only the first 4096 characters of a line are matched: a bound on the work per line
 * whatever the patterns, and room enough for every message the runbook looks for.
 */
export const MAX_MATCHED_LINE_CHARS = 4096;

const clip = (line: string): string => (line.length > MAX_MATCHED_LINE_CHARS ? line.slice(0, MAX_MATCHED_LINE_CHARS) : line);

const NONE: readonly Readonly<LogPatternEntry>[] = Object.freeze([]);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A regex can join the combined pre-filter only if wrapping it in an alternation cannot
 * change what it means: no flags (the pre-filter has none), no back-references (group
 * numbers would shift) and no named groups (two rows could use the same name).
 */
function foldable(source: string, flags: string): boolean {
  return flags === '' && !/\\[1-9]|\\k<|\(\?<(?![=!])/.test(source);
}

interface Check {
  row: number;
  test(line: string): boolean;
}

/**
 * Compiles a table once. Nearly every line matches nothing, so the cost that matters is
 * the miss: one combined regex over all literals (and simple regexes) rejects it in one
 * pass (~0.1 µs for a 150-byte line). Only a line that passes is checked pattern by
 * pattern to learn its causes.
 */
export function compileLogPatterns(table: LogPatternTable = RUNBOOK_LOG_PATTERNS): LogMatcher {
  try {
    return build(table, true);
  } catch {
    // Belt and braces: should a folded regex still upset the combined one, fold none.
    return build(table, false);
  }
}

function build(table: LogPatternTable, foldRegexes: boolean): LogMatcher {
  const filtered: Check[] = [];
  const alwaysChecked: Check[] = [];
  const prefilter: string[] = [];
  table.forEach((entry, row) => {
    for (const p of entry.patterns) {
      if (typeof p === 'string') {
        prefilter.push(escapeRegExp(p));
        filtered.push({ row, test: (line) => line.includes(p) });
        continue;
      }
      const re = new RegExp(p.regex, p.flags);
      const check = { row, test: (line: string) => re.test(line) };
      if (foldRegexes && foldable(p.regex, p.flags)) {
        prefilter.push(`(?:${p.regex})`);
        filtered.push(check);
      } else {
        alwaysChecked.push(check);
      }
    }
  });
  const combined = prefilter.length > 0 ? new RegExp(prefilter.join('|')) : null;

  function collect(line: string, checks: Check[], hits: boolean[]): number {
    let n = 0;
    for (const c of checks) if (!hits[c.row] && c.test(line)) (hits[c.row] = true), n++;
    return n;
  }

  return {
    table,
    test(whole) {
      const line = clip(whole);
      if (combined?.test(line)) return true;
      return alwaysChecked.some((c) => c.test(line));
    },
    match(whole) {
      const line = clip(whole);
      const hits: boolean[] = [];
      let n = 0;
      if (combined?.test(line)) n += collect(line, filtered, hits);
      if (alwaysChecked.length > 0) n += collect(line, alwaysChecked, hits);
      if (n === 0) return NONE;
      return table.filter((_, row) => hits[row]);
    },
  };
}

let defaultMatcher: LogMatcher | undefined;

/** The runbook's own table, compiled once on first use. */
export function runbookLogMatcher(): LogMatcher {
  return (defaultMatcher ??= compileLogPatterns(RUNBOOK_LOG_PATTERNS));
}
