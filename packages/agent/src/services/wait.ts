import type { Clock } from '@vigil/shared';

/** Resolves after `ms` on the given clock (real or fake). */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/**
 * Polls `done` every `everyMs` until it returns true or `timeoutMs` has passed on the clock.
 * Checks at once first, so nothing is waited for when the condition already holds.
 * @returns whether the condition held, and how long was waited
 */
export async function pollUntil(clock: Clock, done: () => Promise<boolean> | boolean, opts: { timeoutMs: number; everyMs: number }): Promise<{ ok: boolean; waitedMs: number }> {
  const start = clock.now();
  for (;;) {
    if (await done()) return { ok: true, waitedMs: clock.now() - start };
    const left = start + opts.timeoutMs - clock.now();
    if (left <= 0) return { ok: false, waitedMs: clock.now() - start };
    await sleepOn(clock, Math.min(opts.everyMs, left));
  }
}
