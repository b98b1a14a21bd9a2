import { z } from 'zod';
import { deepFreeze } from '../config.js';
import { ConfigError } from '../errors.js';
import { describeIssues } from '../validation.js';
import { regexHazard } from './regex-safety.js';

/** The causes the runbook names (section 5). Config may add more, so a cause is a string. */
export const BUILTIN_LOG_CAUSES = ['memory_exhaustion', 'disk_space_full', 'configuration_error', 'address_in_use'] as const;
export type BuiltinLogCause = (typeof BUILTIN_LOG_CAUSES)[number];

/** Flags that keep a regex stateless and line-oriented; `g` and `y` make `test()` depend on `lastIndex`. */
const ALLOWED_FLAGS = /^[imsu]*$/;

/**
 * A cause name travels in findings, incident keys and NATS subjects: keep it a plain
 * identifier so it needs no escaping anywhere.
 */
export const logCauseName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lower-case identifier (a-z, 0-9, _; at most 64 characters, starting with a letter)');

const text = (what: string) => z.string().trim().min(1, `${what} must not be empty`).max(1024, `${what} must be at most 1024 characters`);

/** A literal, matched case-sensitively anywhere in the line. */
const literalPattern = z.string().min(1, 'a pattern must not be empty: it would match every line').max(512, 'a pattern must be at most 512 characters');

/** A regular expression source with optional flags; validated by compiling it. */
const regexPattern = z
  .strictObject({
    regex: z.string().min(1, 'a regex must not be empty: it would match every line').max(512, 'a regex must be at most 512 characters'),
    flags: z
      .string()
      .regex(ALLOWED_FLAGS, 'flags may only be i, m, s and u (g and y make matching depend on earlier lines)')
      .refine((f) => new Set(f).size === f.length, 'flags must not repeat')
      .default(''),
  })
  .superRefine((p, ctx) => {
    let re: RegExp;
    try {
      re = new RegExp(p.regex, p.flags);
    } catch (err) {
      // V8 says "Invalid regular expression: /src/flags: reason"; the source is quoted by the caller already.
      const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      ctx.addIssue({ code: 'custom', path: ['regex'], message: `invalid regular expression: ${reason}` });
      return;
    }
    // A regex that matches an empty line matches every line and would bury real findings.
    if (re.test('')) ctx.addIssue({ code: 'custom', path: ['regex'], message: 'matches an empty line, so it would match every line' });
    // V8 cannot stop a match once started: a pattern that can backtrack exponentially would freeze the agent.
    const hazard = regexHazard(p.regex, p.flags);
    if (hazard) ctx.addIssue({ code: 'custom', path: ['regex'], message: `unsafe regular expression: ${hazard}` });
  });

export const logPatternSchema = z.union([literalPattern, regexPattern], { error: 'must be a literal string or { regex, flags }' });
/** A pattern as written in config: a literal string, or `{ regex, flags }`. */
export type LogPattern = z.output<typeof logPatternSchema>;

export const logPatternEntrySchema = z.strictObject({
  cause: logCauseName,
  patterns: z.array(logPatternSchema).min(1, 'needs at least one pattern').max(64, 'at most 64 patterns per cause'),
  diagnosis: text('diagnosis'),
  fix: text('fix'),
  prevention: text('prevention'),
});

/** One row of the root-cause table: what to look for, what it means, what to do. */
export type LogPatternEntry = z.output<typeof logPatternEntrySchema>;
export type LogPatternTable = readonly Readonly<LogPatternEntry>[];

/**
 * An extra row from the agent's config. For a cause already in the table the texts may be
 * left out: its patterns are added and any text given replaces the runbook's.
 */
export const logPatternExtensionSchema = logPatternEntrySchema.partial({ diagnosis: true, fix: true, prevention: true });
export type LogPatternExtension = z.input<typeof logPatternExtensionSchema>;

/** The `logPatterns` section of an agent config: a list of extra rows. */
export const logPatternsConfigSchema = z.array(logPatternExtensionSchema).max(64, 'at most 64 extra causes');

/**
 * The kernel's and systemd's own words for an OOM kill, added to the runbook's
 * `memory_exhaustion` row: the runbook lists only what an application logs, while on Linux
 * the OOM killer ends a process with SIGKILL and says so only in the kernel log and the
 * unit's journal. Covers the wording of kernels 2.6 to 6.x (`Out of memory: Kill process`,
 * `Killed process N (name)`, `Memory cgroup out of memory: ...`, the `oom-kill:` summary of
 * 4.19+, `invoked oom-killer`, the oom_reaper), systemd 243+ (`killed by the OOM killer`,
 * `Failed with result 'oom-kill'`) and systemd-oomd. Every pattern is anchored on a
 * phrase no application prints by accident (a pid, a `=`, a quoted result).
 */
export const KERNEL_OOM_PATTERNS: readonly LogPattern[] = deepFreeze([
  { regex: '(?:Out of memory|Memory cgroup out of memory)(?: \\(oom_kill_allocating_task\\))?: [Kk]ill(?:ed)? process \\d+', flags: '' },
  { regex: 'Killed process \\d+ \\(.*\\) total-vm:', flags: '' },
  { regex: 'oom-kill:constraint=\\w+', flags: '' },
  { regex: ' invoked oom-killer: ', flags: '' },
  { regex: 'oom_reaper: reaped process \\d+', flags: '' },
  'A process of this unit has been killed by the OOM killer',
  "Failed with result 'oom-kill'",
  { regex: 'systemd-oomd killed (?:some )?process', flags: '' },
]);

/** The runbook's section 5, as given. */
export const RUNBOOK_LOG_PATTERNS: LogPatternTable = deepFreeze(
  z.array(logPatternEntrySchema).parse([
    {
      cause: 'memory_exhaustion',
      patterns: [
        'OutOfMemoryError',
        'Cannot allocate memory',
        'killed by signal 9',
        ...KERNEL_OOM_PATTERNS,
      ],
      diagnosis: 'The process was ended by a memory shortage.',
      fix: 'Add memory or reduce memory use.',
      prevention: 'Set memory monitoring thresholds.',
    },
    {
      cause: 'disk_space_full',
      patterns: ['No space left on device', 'Disk quota exceeded'],
      diagnosis: 'The service stopped for lack of disk space.',
      fix: 'Clean up the disk or extend it.',
      prevention: 'Monitor disk usage automatically.',
    },
    {
      cause: 'configuration_error',
      patterns: ['Configuration error', 'Invalid configuration', 'Failed to parse'],
      diagnosis: 'The service failed to start because of a configuration file error.',
      fix: 'Validate and fix the configuration file.',
      prevention: 'Validate the configuration automatically whenever it changes.',
    },
    {
      cause: 'address_in_use',
      patterns: ['EADDRINUSE', 'Address already in use', 'address already in use'],
      diagnosis: 'The service cannot listen on its port because another process already holds it (often an earlier copy of the service itself).',
      fix: 'Find the process holding the port (ss -ltnp "sport = :PORT"; the agent names it in the recovery detail) and stop it, or move one of them to another port; restarting the service again does not help.',
      prevention: 'Run each service under one supervisor only, and give each service its own declared port.',
    },
  ]),
);

function samePattern(a: LogPattern, b: LogPattern): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.regex === b.regex && a.flags === b.flags;
}

/**
 * Validates the config's extra rows and merges them into `base`, returning a new frozen
 * table. Problems are reported together as a ConfigError, one line per field, e.g.
 * `logPatterns[0].patterns[1].regex: invalid regular expression: ... (got "(")`.
 */
export function mergeLogPatterns(extra: unknown, base: LogPatternTable = RUNBOOK_LOG_PATTERNS, field = 'logPatterns'): LogPatternTable {
  if (extra === undefined || extra === null) return base;
  const parsed = logPatternsConfigSchema.safeParse(extra);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, extra, field));

  const rows = new Map<string, LogPatternEntry>(base.map((e) => [e.cause, { ...e, patterns: [...e.patterns] }]));
  const problems: string[] = [];
  parsed.data.forEach((ext, i) => {
    const existing = rows.get(ext.cause);
    if (existing) {
      for (const p of ext.patterns) if (!existing.patterns.some((q) => samePattern(p, q))) existing.patterns.push(p);
      if (existing.patterns.length > 128) problems.push(`${field}[${i}].patterns: cause "${ext.cause}" would have more than 128 patterns (got ${existing.patterns.length})`);
      existing.diagnosis = ext.diagnosis ?? existing.diagnosis;
      existing.fix = ext.fix ?? existing.fix;
      existing.prevention = ext.prevention ?? existing.prevention;
      return;
    }
    // A new cause must explain itself: a finding without a diagnosis helps nobody at 3 a.m.
    const missing = (['diagnosis', 'fix', 'prevention'] as const).filter((k) => ext[k] === undefined);
    for (const k of missing) problems.push(`${field}[${i}].${k}: required for the new cause "${ext.cause}" (got missing)`);
    if (missing.length === 0) rows.set(ext.cause, { cause: ext.cause, patterns: [...ext.patterns], diagnosis: ext.diagnosis!, fix: ext.fix!, prevention: ext.prevention! });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze([...rows.values()]);
}
