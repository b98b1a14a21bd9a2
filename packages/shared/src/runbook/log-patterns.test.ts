import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { compileLogPatterns, MAX_MATCHED_LINE_CHARS, runbookLogMatcher } from './log-matcher.js';
import { KERNEL_OOM_PATTERNS, mergeLogPatterns, RUNBOOK_LOG_PATTERNS } from './log-patterns.js';

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

/*
 * The OOM killer's own words, one line per wording and per source. The first three were
 * captured from a real memory-cgroup OOM kill on kernel 6.18 (/dev/kmsg and dmesg); the
 * others are the wording of older kernels (mm/oom_kill.c history), of `journalctl -k`,
 * and of systemd 252's unit journal, as they print them.
 */
const KERNEL_OOM_CASES: string[] = [
  'Memory cgroup out of memory: Killed process 10804 (node) total-vm:754964kB, anon-rss:32128kB, file-rss:33448kB, shmem-rss:0kB, UID:0 pgtables:428kB oom_score_adj:0',
  'oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/process_api/3783/oomtry,task_memcg=/process_api/3783/oomtry,task=node,pid=10804,uid=0',
  'node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0',
  'Dec 03 03:19:10 web-1 kernel: Out of memory: Killed process 6824 (python3) total-vm:1048576kB, anon-rss:524288kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:1100kB oom_score_adj:0',
  '[ 5123.114010] Out of memory: Kill process 6824 (python3) score 912 or sacrifice child',
  '[ 5123.114020] Killed process 6824 (python3) total-vm:1048576kB, anon-rss:524288kB, file-rss:0kB, shmem-rss:0kB',
  'Out of memory (oom_kill_allocating_task): Killed process 6824 (python3) total-vm:1048576kB, anon-rss:524288kB',
  'oom_reaper: reaped process 6824 (python3), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB',
  'myapp.service: A process of this unit has been killed by the OOM killer.',
  "myapp.service: Failed with result 'oom-kill'.",
  'myapp.service: systemd-oomd killed some process(es) in this unit.',
];

describe('log patterns - kernel and systemd OOM wording', () => {
  it.each(KERNEL_OOM_CASES)('maps %j to memory_exhaustion', (line) => {
    expect(runbookLogMatcher().match(line).map((r) => r.cause)).toEqual(['memory_exhaustion']);
    expect(runbookLogMatcher().test(line)).toBe(true);
  });

  it('every OOM pattern is hit by a case', () => {
    for (const p of KERNEL_OOM_PATTERNS) {
      const hit = typeof p === 'string' ? (l: string) => l.includes(p) : (l: string) => new RegExp(p.regex, p.flags).test(l);
      expect(KERNEL_OOM_CASES.some(hit), JSON.stringify(p)).toBe(true);
    }
  });

  it('does not take ordinary talk about memory or killing for an OOM kill', () => {
    for (const line of [
      'INFO killed process 12 after timeout',
      'out of memory budget for cache, evicting',
      'oom-kill is disabled for this cgroup',
      'Killed process group 6824',
      'Killed process 6824 (python3)',
      "Failed with result 'exit-code'",
      'WARN worker invoked oom-killer? no',
    ]) {
      expect(runbookLogMatcher().match(line), line).toEqual([]);
    }
  });
});

describe('log patterns - runbook table', () => {
  it('holds the runbook section 5 rows with their texts', () => {
    expect(RUNBOOK_LOG_PATTERNS.map((r) => r.cause)).toEqual(['memory_exhaustion', 'disk_space_full', 'configuration_error', 'address_in_use']);
    expect(RUNBOOK_LOG_PATTERNS.flatMap((r) => r.patterns)).toHaveLength(11 + KERNEL_OOM_PATTERNS.length);
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
      for (const p of row.patterns) {
        if (KERNEL_OOM_PATTERNS.some((q) => JSON.stringify(q) === JSON.stringify(p))) continue; // covered by the kernel cases above
        expect(RUNBOOK_CASES.some(([line, cause]) => cause === row.cause && line.includes(p as string))).toBe(true);
      }
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
    const table = mergeLogPatterns([{ cause: 'memory_exhaustion', patterns: ['oom-kill', 'OutOfMemoryError', { regex: 'heap (\\d+)x' }] }]);
    const row = table.find((r) => r.cause === 'memory_exhaustion')!;
    expect(row.patterns).toEqual(['OutOfMemoryError', 'Cannot allocate memory', 'killed by signal 9', ...KERNEL_OOM_PATTERNS, 'oom-kill', { regex: 'heap (\\d+)x', flags: '' }]);
    expect(row.diagnosis).toBe(RUNBOOK_LOG_PATTERNS[0]!.diagnosis);
    const m = compileLogPatterns(table);
    expect(m.match('kernel: oom-kill:constraint=CONSTRAINT_NONE').map((r) => r.cause)).toEqual(['memory_exhaustion']);
    expect(m.test('heap 12x')).toBe(true);
  });

  it('keeps the meaning of a back-reference in a table built in code (config refuses them)', () => {
    const row = { ...RUNBOOK_LOG_PATTERNS[0]!, patterns: ['OutOfMemoryError', { regex: '(a)\\1x', flags: '' }] };
    const m = compileLogPatterns([row]);
    // It is checked on its own, not inside the combined regex, where group numbers would shift.
    expect(m.test('aax')).toBe(true);
    expect(m.test('abx')).toBe(false);
  });

  it('names the field and the value of an invalid regex', () => {
    const bad = [{ cause: 'x_cause', patterns: ['ok', { regex: 'unclosed (group' }], diagnosis: 'd', fix: 'f', prevention: 'p' }];
    expect(() => mergeLogPatterns(bad)).toThrow(ConfigError);
    expect(() => mergeLogPatterns(bad)).toThrow('logPatterns[0].patterns[1].regex: invalid regular expression: Unterminated group (got "unclosed (group")');
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
      expect.stringMatching(/^logPatterns\[0\]\.patterns\[0\]\.flags: flags may only be i, m, s and u.*\(got "g"\)$/),
    ]);
    expect(problems([{ cause: 'memory_exhaustion', patterns: [{ regex: 'x*' }] }])).toEqual([
      expect.stringMatching(/^logPatterns\[0\]\.patterns\[0\]\.regex: matches an empty line.*\(got "x\*"\)$/),
    ]);
    expect(problems([{ cause: 'Disk Full', patterns: ['x'], diagnosis: 'd', fix: 'f', prevention: 'p' }])).toEqual([
      expect.stringMatching(/^logPatterns\[0\]\.cause: must be a lower-case identifier.*\(got "Disk Full"\)$/),
    ]);
    expect(problems([{ cause: 'new_cause', patterns: ['x'], fix: 'f' }])).toEqual([
      'logPatterns[0].diagnosis: required for the new cause "new_cause" (got missing)',
      'logPatterns[0].prevention: required for the new cause "new_cause" (got missing)',
    ]);
    expect(problems([{ cause: 'memory_exhaustion', patterns: [''] }])[0]).toMatch(/^logPatterns\[0\]\.patterns\[0\]: .*must not be empty/);
    expect(problems([{ cause: 'memory_exhaustion', patterns: [5] }])).toEqual(['logPatterns[0].patterns[0]: must be a literal string or { regex, flags } (got 5)']);
    expect(problems({ cause: 'memory_exhaustion' })[0]).toMatch(/^logPatterns: /);
  });

  it('treats a missing section as the runbook table', () => {
    expect(mergeLogPatterns(undefined)).toBe(RUNBOOK_LOG_PATTERNS);
  });
});

describe('log patterns - bounded matching time', () => {
  it('refuses a catastrophic regex, naming the field, the reason and the pattern', () => {
    const extra = [{ cause: 'memory_exhaustion', patterns: ['ok', { regex: '^(a+)+$' }] }];
    expect(() => mergeLogPatterns(extra)).toThrow(ConfigError);
    expect(() => mergeLogPatterns(extra)).toThrow(
      /logPatterns\[0\]\.patterns\[1\]\.regex: unsafe regular expression: the repeated part "\(a\+\)\+" contains another repetition "a\+".* \(got "\^\(a\+\)\+\$"\)/,
    );
  });

  it('matches only the first MAX_MATCHED_LINE_CHARS characters of a line', () => {
    const m = runbookLogMatcher();
    const pad = 'x'.repeat(MAX_MATCHED_LINE_CHARS - 'EADDRINUSE'.length);
    expect(m.test(`${pad}EADDRINUSE`)).toBe(true);
    expect(m.match(`${pad}EADDRINUSE`).map((r) => r.cause)).toEqual(['address_in_use']);
    expect(m.test(`${pad}yEADDRINUSE`)).toBe(false);
    expect(m.match(`${pad}yEADDRINUSE`)).toEqual([]);
    // A regex checked on its own (flags keep it out of the combined one) is bounded the same way.
    const own = compileLogPatterns(mergeLogPatterns([{ cause: 'memory_exhaustion', patterns: [{ regex: 'late marker', flags: 'i' }] }]));
    expect(own.test(`${'x'.repeat(MAX_MATCHED_LINE_CHARS - 11)}late marker`)).toBe(true);
    expect(own.test(`${'x'.repeat(MAX_MATCHED_LINE_CHARS)}late marker`)).toBe(false);
  });

  it('bounds the quadratic search of an accepted pattern on a long line', () => {
    // An unanchored `(?:a|b)+c` retries from every offset: quadratic in the line, hours on 1 MiB
    // unbounded, ~250 ms for both on the 4 KiB prefix; 10 s leaves room for a loaded machine.
    const m = compileLogPatterns(mergeLogPatterns([{ cause: 'memory_exhaustion', patterns: [{ regex: '(?:a|b)+c', flags: 'i' }] }]));
    const line = 'a'.repeat(1 << 20);
    const started = performance.now();
    for (let i = 0; i < 2; i++) expect(m.match(line)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
