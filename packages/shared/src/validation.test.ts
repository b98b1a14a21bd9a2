import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues, showValue, summariseIssues } from './validation.js';

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

// Counterexample found by test/fuzz/grpc-messages.fuzz.test.ts: a heartbeat with 256 bad
// services was refused with a 40 KB gRPC status message listing all 1,280 problems.
describe('validation - one refusal line', () => {
  const schema = z.object({ services: z.array(z.object({ budgetUsed: z.number().min(0), sinceMs: z.number().min(0) })) });
  const input = { services: Array.from({ length: 256 }, () => ({ budgetUsed: -1, sinceMs: -1 })) };

  it('lists the first five problems and counts the rest', () => {
    const r = schema.safeParse(input);
    if (r.success) throw new Error('accepted');
    const line = summariseIssues(r.error, input, 'heartbeat');
    expect(line).toMatch(/^heartbeat\.services\[0\]\.budgetUsed: .* \(got -1\); heartbeat\.services\[0\]\.sinceMs: /);
    expect(line.split('; ')).toHaveLength(6);
    expect(line).toMatch(/; \(507 more problems\)$/);
    expect(line.length).toBeLessThan(1000);
  });

  it('a refusal with five problems or fewer lists them all', () => {
    const small = { services: [{ budgetUsed: -1, sinceMs: 0 }] };
    const r = schema.safeParse(small);
    if (r.success) throw new Error('accepted');
    expect(summariseIssues(r.error, small, 'heartbeat')).toBe(describeIssues(r.error, small, 'heartbeat').join('; '));
  });
});
