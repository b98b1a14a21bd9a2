import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues, showValue } from './validation.js';

describe('validation - values quoted in errors', () => {
  it('quotes short values as JSON and cuts long ones at 80 characters', () => {
    expect(showValue('abc')).toBe('"abc"');
    expect(showValue({ a: [1, null, true] })).toBe('{"a":[1,null,true]}');
    expect(showValue(undefined)).toBe('missing');
    expect(showValue('x'.repeat(10_000))).toBe(`"${'x'.repeat(76)}...`);
  });
  it('quotes a value nested 100,000 deep without walking all of it', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(showValue(deep)).toBe(`${'['.repeat(77)}...`);
    const issues = describeIssues(z.object({ a: z.string() }).safeParse({ a: deep }).error!, { a: deep }, 'body');
    expect(issues).toEqual([expect.stringMatching(/^body\.a: .* \(got \[{77}\.\.\.\)$/)]);
  });
});
