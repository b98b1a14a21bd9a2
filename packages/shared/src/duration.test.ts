import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('duration - parsing', () => {
  it('accepts ms, s, m, h and d', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
  });
  it('rejects a bare number and names the value', () => {
    expect(() => parseDuration('5')).toThrow(/"5" is not a duration/);
    expect(() => parseDuration('5 sec')).toThrow(/"5 sec"/);
    expect(() => parseDuration('-1s')).toThrow();
  });
  it('formats back to the shortest exact unit', () => {
    expect(formatDuration(500)).toBe('500ms');
    expect(formatDuration(5000)).toBe('5s');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(120_000)).toBe('2m');
  });
});

// Counterexamples found by test/fuzz/scalars.fuzz.test.ts, kept as plain cases.
describe('duration - refusals quote the value cut short', () => {
  it('a 400-digit value is quoted in its first 80 characters, not whole', () => {
    const long = '9'.repeat(400);
    expect(() => parseDuration(long)).toThrow(/^"9{77}\.\.\." is not a duration/);
  });
});
