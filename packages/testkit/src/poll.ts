/** Polling instead of fixed sleeps: wait for a condition, or assert one keeps holding. */

export interface PollOptions {
  /** @default 5000 */
  timeoutMs?: number;
  /** @default 50 */
  intervalMs?: number;
  /** Names what is awaited, for the failure message. */
  what?: string;
}

/** What `fn` returns when the condition does not hold yet; anything else is the result. */
type NotYet = undefined | null | false;

export class PollTimeoutError extends Error {
  readonly lastObservation: unknown;
  constructor(message: string, lastObservation: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PollTimeoutError';
    this.lastObservation = lastObservation;
  }
}

export function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return value;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  } catch {
    return String(value);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `fn` until it returns something other than undefined/null/false and returns that.
 * A throw counts as "not yet" and is kept as the last observation. The result of the
 * optional `observe` is what the failure message reports (e.g. the whole host list).
 */
export async function waitFor<T>(
  fn: () => T | NotYet | Promise<T | NotYet>,
  opts: PollOptions & { observe?: () => unknown } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = performance.now() + timeoutMs;
  let last: unknown = undefined;
  let lastError: unknown = undefined;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
      last = err;
    }
    if (performance.now() >= deadline) {
      let observed = last;
      if (opts.observe) {
        try {
          observed = await opts.observe();
        } catch (err) {
          observed = err;
        }
      }
      throw new PollTimeoutError(
        `timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}; last observation: ${describeValue(observed)}`,
        observed,
        { cause: lastError },
      );
    }
    await sleep(Math.min(intervalMs, Math.max(0, deadline - performance.now())));
  }
}

/**
 * Asserts that `check` keeps passing (does not throw, does not return false) for
 * `durationMs`, checking every `intervalMs`. Used for "never" claims: a host that must
 * not appear, an event that must not be published.
 */
export async function holdsFor(
  check: () => unknown | Promise<unknown>,
  opts: { durationMs: number; intervalMs?: number; what?: string },
): Promise<void> {
  const intervalMs = opts.intervalMs ?? 100;
  const end = performance.now() + opts.durationMs;
  for (;;) {
    const started = performance.now();
    let ok: unknown;
    try {
      ok = await check();
    } catch (err) {
      throw new Error(`${opts.what ?? 'condition'} stopped holding after ${Math.round(started - (end - opts.durationMs))} ms: ${describeValue(err)}`, { cause: err });
    }
    if (ok === false) throw new Error(`${opts.what ?? 'condition'} stopped holding after ${Math.round(started - (end - opts.durationMs))} ms`);
    if (performance.now() >= end) return;
    await sleep(Math.min(intervalMs, Math.max(0, end - performance.now())));
  }
}
