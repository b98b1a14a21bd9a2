import { systemClock, type ProbeContext } from '@vigil/shared';
import type { CheckContext } from './check.js';

/** Never aborted: for a check run without a watcher's signal. */
const NEVER = new AbortController().signal;

/** What the shared probe code needs to run on behalf of a health check: real time, the check's budget and its abort. */
export function probeContext(timeoutMs: number, ctx: CheckContext): ProbeContext {
  return { timeoutMs, signal: ctx.signal ?? NEVER, clock: systemClock, now: () => performance.now() };
}
