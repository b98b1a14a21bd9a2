import { ApiError } from './api.js';

/** The timer calls the retries need; the browser's by default, a fake clock's in tests. */
export interface RetryTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const browserTimers: RetryTimers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };

/**
 * A failure that asking again can cure: the network (fetch's TypeError: the browser lost
 * the connection, or the machine's network changed under it), a busy or restarting
 * coordinator (5xx, 429). A 4xx answer says the same thing on every try.
 */
export function worthRetrying(err: unknown): boolean {
  if (err instanceof ApiError) return err.status >= 500 || err.status === 429;
  return true;
}

export interface RetryingLoad {
  /** Loads now; a retry already waiting is replaced by this load. Settles when this load has (never rejects). */
  run(): Promise<void>;
  /** No more loads: the view is gone. */
  stop(): void;
}

/**
 * Runs a view's load, and again after a failure worth retrying: 1 s, 2 s, 4 s … at most
 * `maxMs` apart, until one succeeds. Without it a page that lost one request (a Wi-Fi
 * switch, a coordinator restart) kept its error until the next live event, which may not
 * come for hours. `load` shows its own error and then throws it.
 */
export function retryingLoad(load: () => Promise<void>, opts: { firstMs?: number; maxMs?: number; timers?: RetryTimers } = {}): RetryingLoad {
  const firstMs = opts.firstMs ?? 1000;
  const maxMs = opts.maxMs ?? 15_000;
  const timers = opts.timers ?? browserTimers;
  let delay = firstMs;
  let pending: unknown = null;
  let stopped = false;
  let generation = 0;

  const run = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (pending !== null) timers.clear(pending);
    pending = null;
    const mine = ++generation;
    return load().then(
      () => {
        if (mine === generation) delay = firstMs;
      },
      (err: unknown) => {
        // A newer load owns the retries; an answer that will not change is not asked again.
        if (stopped || mine !== generation || !worthRetrying(err)) return;
        pending = timers.set(() => ((pending = null), run()), delay);
        delay = Math.min(delay * 2, maxMs);
      },
    );
  };
  return {
    run,
    stop() {
      stopped = true;
      if (pending !== null) timers.clear(pending);
      pending = null;
    },
  };
}
