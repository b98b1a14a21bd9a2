import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@vigil/testkit/temp-dir';
import { z } from 'zod';
import { buildConfig, readYamlConfig } from './config.js';
import { ConfigError } from './errors.js';
import { durationMs } from './schemas/duration.js';

function yamlFile(text: string): string {
  const file = join(tempDir('cfg'), 'c.yaml');
  writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config - YAML syntax errors', () => {
  it('names the line and column and shows the offending line with a caret', () => {
    const file = yamlFile('interval: 5s\nlabels:\n  zone: eu-1\n  rack: [r7\nlogLevel: info\n');
    const [p] = problemsOf(() => readYamlConfig(file));
    expect(p).toMatch(new RegExp(`^--config: "${file}" is not valid YAML: line 5, column 1: Flow sequence`));
    expect(p).toContain('\n    5 | logLevel: info\n');
    expect(p!.split('\n').at(-1)).toBe('      | ^');
  });

  it('an unclosed flow sequence and a duplicate key are both reported with their lines', () => {
    const file = yamlFile('a: 1\na: 2\nb: [1, 2\n');
    const p = problemsOf(() => readYamlConfig(file));
    expect(p.some((x) => /line 2, column 1: Map keys must be unique/.test(x) && x.includes('    2 | a: 2'))).toBe(true);
    expect(p.length).toBeGreaterThanOrEqual(2);
  });

  it('a valid file reads as a plain object', () => {
    expect(readYamlConfig(yamlFile('interval: 750ms\nlabels:\n  zone: eu-1\n'))).toEqual({ interval: '750ms', labels: { zone: 'eu-1' } });
  });
});

describe('config - durations', () => {
  const schema = z.object({ interval: durationMs.optional(), list: z.array(z.object({ watch: durationMs })).optional() }).strict();
  const build = (file: Record<string, unknown>, cli: Record<string, unknown> = {}) => buildConfig(schema, file, cli);

  it('a bare number in the file is refused with the field path, the value and the fix', () => {
    expect(problemsOf(() => build({ interval: 500 }))).toEqual(['interval: 500 has no unit; write 500s or 500000ms, or 500ms if milliseconds were meant']);
    expect(problemsOf(() => build({ list: [{ watch: '1s' }, { watch: 30 }] }))).toEqual(['list[1].watch: 30 has no unit; write 30s or 30000ms, or 30ms if milliseconds were meant']);
  });

  it('a number written as a string (as the command line gives it) is refused the same way', () => {
    expect(problemsOf(() => build({}, { interval: '5' }))).toEqual(['interval: 5 has no unit; write 5s or 5000ms, or 5ms if milliseconds were meant']);
  });

  it('units are parsed, 0 alone needs none, garbage names its value once', () => {
    expect(build({ interval: '1.5m', list: [{ watch: 0 }] })).toEqual({ interval: 90_000, list: [{ watch: 0 }] });
    expect(problemsOf(() => build({ interval: '5x' }))).toEqual(['interval: "5x" is not a duration (use a number with ms, s, m, h or d, e.g. 500ms, 5s, 1m)']);
    expect(problemsOf(() => build({ interval: -3 }))[0]).toMatch(/^interval: -3 is not a duration/);
    expect(problemsOf(() => build({ interval: true }))[0]).toMatch(/^interval: .*\(got true\)$/);
  });

  // Counterexamples found by test/fuzz/scalars.fuzz.test.ts.
  it('a duration longer than a timer can wait is refused, not run every millisecond', () => {
    expect(build({ interval: '24d' })).toEqual({ interval: 24 * 86_400_000 });
    expect(problemsOf(() => build({ interval: '25d' }))).toEqual(['interval: "25d" is longer than 24d, the longest a timer can wait']);
    // 9.0e15 ms: past Number.MAX_SAFE_INTEGER, once accepted as is.
    expect(problemsOf(() => build({ interval: '104249991.37431704d' }))[0]).toMatch(/^interval: "104249991\.37431704d" is longer than 24d/);
  });

  it('a 400-digit bare number is quoted cut short', () => {
    const [problem] = problemsOf(() => build({ interval: '9'.repeat(400) }));
    expect(problem).toMatch(/^interval: 9{37}\.\.\. is not a duration/);
    expect(problem!.length).toBeLessThan(200);
  });
});
