import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { compileLogPatterns, runbookLogMatcher } from './log-matcher.js';
import { mergeLogPatterns, RUNBOOK_LOG_PATTERNS } from './log-patterns.js';

// Each runbook pattern inside a line as a service would really log it.
const RUNBOOK_CASES: [string, string][] = [
  ['Exception in thread "main" java.lang.OutOfMemoryError: Java heap space', 'memory_exhaustion'],
  ['nginx: [emerg] mmap(MAP_ANON|MAP_SHARED, 52428800) failed (12: Cannot allocate memory)', 'memory_exhaustion'],
  ['systemd[1]: myapp.service: Main process exited, code=killed, status=9/KILL; worker killed by signal 9', 'memory_exhaustion'],
  ['ERROR: could not extend file "base/16384/2619": No space left on device', 'disk_space_full'],
  ['write /var/lib/app/cache.db: Disk quota exceeded', 'disk_space_full'],
  ['FATAL: Configuration error in /etc/app/app.conf line 12', 'configuration_error'],
  ['[ERROR] Invalid configuration: listen port must be a number', 'configuration_error'],
  ['Failed to parse /etc/app/config.yaml: unexpected token at line 3', 'configuration_error'],
  ['Error: listen EADDRINUSE: address already in use :::8080', 'address_in_use'],
  ['nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)', 'address_in_use'],
];

describe('log patterns - runbook table', () => {
  it('holds the runbook section 5 rows with their texts', () => {
    expect(RUNBOOK_LOG_PATTERNS.map((r) => r.cause)).toEqual(['memory_exhaustion', 'disk_space_full', 'configuration_error', 'address_in_use']);
    expect(RUNBOOK_LOG_PATTERNS.flatMap((r) => r.patterns)).toHaveLength(11);
    for (const row of RUNBOOK_LOG_PATTERNS) {
      expect(row.diagnosis.length).toBeGreaterThan(10);
      expect(row.fix.length).toBeGreaterThan(10);
      expect(row.prevention.length).toBeGreaterThan(10);
    }
    expect(Object.isFrozen(RUNBOOK_LOG_PATTERNS[0]!.patterns)).toBe(true);
  });

  it.each(RUNBOOK_CASES)('maps %j to %s', (line, cause) => {
    expect(runbookLogMatcher().match(line).map((r) => r.cause)).toEqual([cause]);
    expect(runbookLogMatcher().test(line)).toBe(true);
  });

  it('covers every pattern of the table with a case', () => {
    for (const row of RUNBOOK_LOG_PATTERNS) {
      for (const p of row.patterns) expect(RUNBOOK_CASES.some(([line, cause]) => cause === row.cause && line.includes(p as string))).toBe(true);
    }
  });

  it('ignores ordinary lines and matches case-sensitively', () => {
    const m = runbookLogMatcher();
    expect(m.match('GET /health 200 3ms')).toEqual([]);
    expect(m.test('out of memory? no: outofmemoryerror')).toBe(false);
    expect(m.test('no space left on device')).toBe(false);
    expect(m.test('')).toBe(false);
  });

  it('reports every cause of a line that names several, in table order', () => {
    const line = 'Failed to parse state file: No space left on device; OutOfMemoryError';
    expect(runbookLogMatcher().match(line).map((r) => r.cause)).toEqual(['memory_exhaustion', 'disk_space_full', 'configuration_error']);
  });
});

describe('log patterns - extension from config', () => {
  it('adds a new cause with literal and regex patterns', () => {
    const table = mergeLogPatterns([
      {
        cause: 'database_unreachable',
        patterns: ['could not connect to server', { regex: 'connection (refused|reset) by peer', flags: 'i' }, { regex: 'ECONNREFUSED \\d+\\.\\d+' }],
        diagnosis: 'The database is unreachable.',
        fix: 'Check the database server.',
        prevention: 'Monitor the database.',
      },
    ]);
    expect(table.map((r) => r.cause)).toEqual(['memory_exhaustion', 'disk_space_full', 'configuration_error', 'address_in_use', 'database_unreachable']);
    const m = compileLogPatterns(table);
    expect(m.match('psql: could not connect to server').map((r) => r.cause)).toEqual(['database_unreachable']);
    expect(m.match('Connection REFUSED by peer').map((r) => r.cause)).toEqual(['database_unreachable']);
    expect(m.match('error ECONNREFUSED 10.0').map((r) => r.cause)).toEqual(['database_unreachable']);
    expect(m.match('No space left on device').map((r) => r.cause)).toEqual(['disk_space_full']);
    // The base table is left as it was.
    expect(RUNBOOK_LOG_PATTERNS).toHaveLength(4);
  });

  it('adds patterns to an existing cause without repeating its texts', () => {
    const table = mergeLogPatterns([{ cause: 'memory_exhaustion', patterns: ['oom-kill', 'OutOfMemoryError', { regex: '(a)\\1x' }] }]);
    const row = table.find((r) => r.cause === 'memory_exhaustion')!;
    expect(row.patterns).toEqual(['OutOfMemoryError', 'Cannot allocate memory', 'killed by signal 9', 'oom-kill', { regex: '(a)\\1x', flags: '' }]);
    expect(row.diagnosis).toBe(RUNBOOK_LOG_PATTERNS[0]!.diagnosis);
    const m = compileLogPatterns(table);
    expect(m.match('kernel: oom-kill:constraint=CONSTRAINT_NONE').map((r) => r.cause)).toEqual(['memory_exhaustion']);
    // A back-reference keeps its meaning: it is checked on its own, not inside the combined regex.
    expect(m.test('aax')).toBe(true);
    expect(m.test('abx')).toBe(false);
  });

  it('names the field and the value of an invalid regex', () => {
    const bad = [{ cause: 'x_cause', patterns: ['ok', { regex: 'unclosed (group' }], diagnosis: 'd', fix: 'f', prevention: 'p' }];
    expect(() => mergeLogPatterns(bad)).toThrow(ConfigError);
    expect(() => mergeLogPatterns(bad)).toThrow('logPatterns.0.patterns.1.regex: invalid regular expression: Unterminated group (got "unclosed (group")');
  });

  it('rejects stateful flags, empty matches, bad cause names and missing texts, naming each', () => {
    const problems = (extra: unknown): string[] => {
      try {
        mergeLogPatterns(extra);
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    };
    expect(problems([{ cause: 'memory_exhaustion', patterns: [{ regex: 'x', flags: 'g' }] }])).toEqual([
      expect.stringMatching(/^logPatterns\.0\.patterns\.0\.flags: flags may only be i, m, s and u.*\(got "g"\)$/),
    ]);
    expect(problems([{ cause: 'memory_exhaustion', patterns: [{ regex: 'x*' }] }])).toEqual([
      expect.stringMatching(/^logPatterns\.0\.patterns\.0\.regex: matches an empty line.*\(got "x\*"\)$/),
    ]);
    expect(problems([{ cause: 'Disk Full', patterns: ['x'], diagnosis: 'd', fix: 'f', prevention: 'p' }])).toEqual([
      expect.stringMatching(/^logPatterns\.0\.cause: must be a lower-case identifier.*\(got "Disk Full"\)$/),
    ]);
    expect(problems([{ cause: 'new_cause', patterns: ['x'], fix: 'f' }])).toEqual([
      'logPatterns.0.diagnosis: required for the new cause "new_cause" (got missing)',
      'logPatterns.0.prevention: required for the new cause "new_cause" (got missing)',
    ]);
    expect(problems([{ cause: 'memory_exhaustion', patterns: [''] }])[0]).toMatch(/^logPatterns\.0\.patterns\.0: .*must not be empty/);
    expect(problems([{ cause: 'memory_exhaustion', patterns: [5] }])).toEqual(['logPatterns.0.patterns.0: must be a literal string or { regex, flags } (got 5)']);
    expect(problems({ cause: 'memory_exhaustion' })[0]).toMatch(/^logPatterns: /);
  });

  it('treats a missing section as the runbook table', () => {
    expect(mergeLogPatterns(undefined)).toBe(RUNBOOK_LOG_PATTERNS);
  });
});
