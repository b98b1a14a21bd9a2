import { describe, expect, it } from 'vitest';
import { holdsFor, PollTimeoutError, waitFor } from './poll.js';

describe('waitFor', () => {
  it('returns the first value that is not undefined, null or false', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? n : n === 1 ? null : false), { intervalMs: 1 })).toBe(3);
  });

  it('treats a throw as not yet and reports the last observation on timeout', async () => {
    const err = await waitFor(() => {
      throw new Error('not listening');
    }, { timeoutMs: 50, intervalMs: 5, what: 'the port' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PollTimeoutError);
    expect((err as Error).message).toBe('timed out after 50 ms waiting for the port; last observation: Error: not listening');
  });

  it('reports what observe() returns instead of the last value', async () => {
    await expect(waitFor(() => undefined, { timeoutMs: 20, intervalMs: 5, observe: () => ({ hosts: 2 }) })).rejects.toThrow('last observation: {"hosts":2}');
  });
});

describe('holdsFor', () => {
  it('fails as soon as the check stops holding', async () => {
    let n = 0;
    await expect(holdsFor(() => ++n < 3, { durationMs: 1000, intervalMs: 5, what: 'no host silent' })).rejects.toThrow(/^no host silent stopped holding after \d+ ms$/);
  });

  it('passes when the check holds for the whole window', async () => {
    await expect(holdsFor(() => true, { durationMs: 30, intervalMs: 5 })).resolves.toBeUndefined();
  });
});
