import { describe, expect, it } from 'vitest';
import { supersedes, type Claim } from './claim-order.js';

const hello = (owner: string, over: Partial<Claim> = {}): Claim => ({ owner, since: 100, via: 'hello', agentStartedAt: 1_000, attempt: 1, ...over });

describe('supersedes - which of two claims of one host wins', () => {
  it("follows the agent's own order first: a later process, then a later attempt, whatever the claimers' clocks say", () => {
    expect(supersedes(hello('b', { attempt: 2, since: 50 }), hello('a', { since: 100 }))).toBe(true);
    expect(supersedes(hello('a', { since: 100 }), hello('b', { attempt: 2, since: 50 }))).toBe(false);
    expect(supersedes(hello('b', { agentStartedAt: 2_000, attempt: 1 }), hello('a', { attempt: 7 }))).toBe(true);
  });

  it('lets a Hello beat an adoption of that same Hello, and a later Hello beat any adoption', () => {
    const adoption = hello('b', { via: 'adoption', since: 900 });
    expect(supersedes(hello('a', { since: 100 }), adoption)).toBe(true);
    expect(supersedes(adoption, hello('a', { since: 100 }))).toBe(false);
    expect(supersedes(hello('c', { attempt: 2 }), adoption)).toBe(true);
  });

  it("orders equal Hellos by the claimers' clocks, then by coordinator id, so both sides agree", () => {
    expect(supersedes(hello('a', { since: 101 }), hello('b', { since: 100 }))).toBe(true);
    expect(supersedes(hello('b', { since: 100 }), hello('a', { since: 101 }))).toBe(false);
    expect(supersedes(hello('b'), hello('a'))).toBe(true);
    expect(supersedes(hello('a'), hello('b'))).toBe(false);
  });

  it('reads a record of an older coordinator (no agent fields, no kind) as a Hello from an unknown process', () => {
    const old: Claim = { owner: 'a', since: 500 };
    expect(supersedes(hello('b', { since: 100 }), old)).toBe(true);
    expect(supersedes(old, { owner: 'b', since: 400 })).toBe(true);
  });
});
