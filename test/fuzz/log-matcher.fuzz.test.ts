import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, MAX_MATCHED_LINE_CHARS, RUNBOOK_LOG_PATTERNS, compileLogPatterns, mergeLogPatterns, runbookLogMatcher, type LogPattern, type LogPatternTable } from '@vigil/shared';
import { parseAccessLogLine } from '../../packages/agent/src/logs/access-log.js';
import { parseJournalLine } from '../../packages/agent/src/logs/journal.js';
import { fuzz, mutated, oddString, textOf, fuzzTimeout } from './fuzz.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const accessLog = readFileSync(join(HERE, '..', '..', 'packages', 'agent', 'src', 'logs', 'fixtures', 'access.log'), 'utf8').split('\n').filter(Boolean);

/** Pieces of the runbook's own patterns, so random lines actually hit them. */
const literals = RUNBOOK_LOG_PATTERNS.flatMap((e) => e.patterns).filter((p): p is string => typeof p === 'string');

/** What the matcher must answer: every row whose pattern is found in the first 4096 characters, in table order. */
function naive(table: LogPatternTable, line: string): string[] {
  const clipped = line.slice(0, MAX_MATCHED_LINE_CHARS);
  const hit = (p: LogPattern) => (typeof p === 'string' ? clipped.includes(p) : new RegExp(p.regex, p.flags).test(clipped));
  return table.filter((e) => e.patterns.some(hit)).map((e) => e.cause);
}

const logLine = fc.oneof(
  oddString(300),
  textOf([...literals, 'ERROR', 'kernel:', ' ', 'a'.repeat(50), 'x'.repeat(5000)], [' ', ': ', '\t']),
  fc.constantFrom(...literals).map((l) => `${'x'.repeat(MAX_MATCHED_LINE_CHARS - l.length + 1)}${l}`),
);

/** Regex sources built from the parts people write, including the shapes that backtrack. */
const regexSource = textOf(['a', 'b', '\\d', '\\w', '\\s', '.', '[ab]', '[^a]', '+', '*', '?', '{2,}', '{1,3}', '(', ')', '(?:', '|', '^', '$', 'error', '\\b', '(?=a)', '\\1'], [''], 12);

const patternEntry = fc.record({
  cause: fc.oneof(fc.constantFrom('memory_exhaustion', 'disk_space_full', 'my_cause', 'other_cause'), oddString(20)),
  patterns: fc.array(fc.oneof(oddString(30), fc.record({ regex: regexSource, flags: fc.constantFrom('', 'i', 'm', 'imsu', 'g', 'ii', 'x') })), { maxLength: 4 }),
  diagnosis: fc.option(oddString(40), { nil: undefined }),
  fix: fc.option(oddString(40), { nil: undefined }),
  prevention: fc.option(oddString(40), { nil: undefined }),
});

describe('fuzz - log lines into the matcher', () => {
  it('the compiled runbook matcher agrees with a plain check of every pattern, on any line', () => {
    const matcher = runbookLogMatcher();
    fuzz('log matcher (runbook table)', 2000, logLine, (line) => {
      const want = naive(matcher.table, line);
      expect(matcher.match(line).map((e) => e.cause)).toEqual(want);
      expect(matcher.test(line)).toBe(want.length > 0);
    });
  }, fuzzTimeout());

  it('configured patterns: refused with a ConfigError naming the field, or compiled into a matcher that agrees with a plain check and stays fast', () => {
    let accepted = 0;
    fuzz('log patterns config + matcher', 800, fc.tuple(fc.array(patternEntry, { maxLength: 3 }), fc.array(logLine, { maxLength: 4 })), ([extra, lines]) => {
      let table: LogPatternTable;
      try {
        table = mergeLogPatterns(extra);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        for (const p of (err as ConfigError).problems) {
          expect(p).toMatch(/^logPatterns(\[\d+\])?/);
          expect(p.length).toBeLessThanOrEqual(600);
        }
        return;
      }
      accepted++;
      const matcher = compileLogPatterns(table);
      // An accepted regex must stay fast on the lines that make backtracking engines blow up.
      const hostile = ['a'.repeat(40) + '!', 'ab'.repeat(30) + 'c', `${'a '.repeat(30)}!`, '1'.repeat(40) + 'x'];
      for (const line of [...lines, ...hostile]) {
        const started = performance.now();
        const got = matcher.match(line).map((e) => e.cause);
        const ms = performance.now() - started;
        // Generous: a catastrophic pattern takes seconds on these; a safe one microseconds.
        if (ms > 500) throw new Error(`matching ${JSON.stringify(line.slice(0, 60))} took ${Math.round(ms)} ms with ${JSON.stringify(extra.map((e) => e.patterns))}`);
        expect(got).toEqual(naive(table, line));
      }
    });
    console.log(`[measure] fuzz log patterns config: ${accepted} tables accepted and matched`);
    // The generator must reach the matcher, not only the refusals.
    expect(accepted).toBeGreaterThan(0);
  }, fuzzTimeout());
});

describe('fuzz - log line parsers', () => {
  it('access log lines: an entry with a real status and time, or null', () => {
    fuzz('access log line', 3000, fc.oneof(mutated(accessLog), oddString()), (line) => {
      const e = parseAccessLogLine(line);
      if (e === null) return;
      expect(e.status).toBeGreaterThanOrEqual(100);
      expect(e.status).toBeLessThanOrEqual(599);
      expect(Number.isFinite(e.timeMs)).toBe(true);
      if (e.bytes !== null) expect(Number.isSafeInteger(e.bytes)).toBe(true);
    });
  }, fuzzTimeout());

  it('journal JSON lines: an entry with a message, or null, whatever the JSON', () => {
    const entry = fc.record({ MESSAGE: fc.oneof(fc.string(), fc.array(fc.integer({ min: -300, max: 300 })), fc.array(fc.oneof(fc.string(), fc.array(fc.nat(255)))), fc.jsonValue()), _SYSTEMD_UNIT: fc.jsonValue(), PRIORITY: fc.jsonValue() }, { requiredKeys: [] });
    fuzz('journal json line', 1500, fc.oneof(oddString(), fc.json(), entry.map((o) => JSON.stringify(o))), (line) => {
      const e = parseJournalLine(line);
      if (e === null) return;
      expect(typeof e.message).toBe('string');
      if (e.priority !== null) expect(e.priority >= 0 && e.priority <= 7).toBe(true);
    });
  }, fuzzTimeout());
});
