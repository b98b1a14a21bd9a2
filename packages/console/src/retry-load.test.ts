import { describe, expect, it } from 'vitest';
import { ApiError } from './api.js';
import { retryingLoad, worthRetrying, type RetryTimers } from './retry-load.js';

/** A clock the test moves by hand: the timers it holds run when their time comes. */
function fakeTimers() {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: RetryTimers = {
    set: (fn, ms) => (due.set(next, { at: now + ms, fn }), next++),
    clear: (h) => void due.delete(h as number),
  };
  const advance = async (ms: number) => {
    const until = now + ms;
    for (;;) {
      const [id, t] = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (id === undefined || t!.at > until) break;
      due.delete(id);
      now = t!.at;
      t!.fn();
      await flush();
    }
    now = until;
  };
  return { timers, advance, waiting: () => [...due.values()].map((t) => t.at - now) };
}
const flush = () => new Promise<void>((r) => setImmediate(r));

/** A load whose answers are given in order: 'ok' or the error to throw. */
function loadAnswering(answers: (unknown | 'ok')[]) {
  const calls: number[] = [];
  const load = async () => {
    calls.push(calls.length);
    const a = answers.shift() ?? 'ok';
    if (a !== 'ok') throw a;
  };
  return { load, calls };
}

describe('console retry-load - a view asks again after a failure it can outlive', () => {
  it('retry-load - a network failure is retried 1, 2, 4 s apart until a load succeeds, then nothing more', async () => {
    const clock = fakeTimers();
    const { load, calls } = loadAnswering([new TypeError('Failed to fetch'), new TypeError('Failed to fetch'), new ApiError(503, 'unavailable', 'starting'), 'ok']);
    const loader = retryingLoad(load, { timers: clock.timers });
    loader.run();
    await flush();
    expect(calls.length).toBe(1);
    expect(clock.waiting()).toEqual([1000]);
    await clock.advance(999);
    expect(calls.length).toBe(1);
    await clock.advance(1);
    expect(calls.length).toBe(2);
    expect(clock.waiting()).toEqual([2000]);
    await clock.advance(2000);
    expect(calls.length).toBe(3);
    expect(clock.waiting()).toEqual([4000]);
    await clock.advance(4000);
    expect(calls.length).toBe(4);
    expect(clock.waiting()).toEqual([]);
    await clock.advance(60_000);
    expect(calls.length).toBe(4);
  });

  it('retry-load - the wait stops growing at its cap and starts again from 1 s after a success', async () => {
    const clock = fakeTimers();
    const fail = () => new TypeError('Failed to fetch');
    const { load, calls } = loadAnswering([fail(), fail(), fail(), fail(), 'ok', fail()]);
    const loader = retryingLoad(load, { timers: clock.timers, maxMs: 5000 });
    loader.run();
    await flush();
    const waits: number[] = [];
    while (clock.waiting().length > 0) {
      waits.push(clock.waiting()[0]!);
      await clock.advance(clock.waiting()[0]!);
    }
    expect(waits).toEqual([1000, 2000, 4000, 5000]);
    expect(calls.length).toBe(5);
    loader.run();
    await flush();
    expect(clock.waiting()).toEqual([1000]);
  });

  it('retry-load - a refusal (4xx) is not asked again; a stopped view and a superseded load schedule nothing', async () => {
    const clock = fakeTimers();
    const refused = loadAnswering([new ApiError(404, 'not_found', 'no such incident')]);
    retryingLoad(refused.load, { timers: clock.timers }).run();
    await flush();
    expect(clock.waiting()).toEqual([]);

    const gone = loadAnswering([new TypeError('Failed to fetch')]);
    const stopped = retryingLoad(gone.load, { timers: clock.timers });
    stopped.run();
    stopped.stop();
    await flush();
    expect(clock.waiting()).toEqual([]);

    // Two loads in flight (a tab switched): only the newer one's failure is retried.
    const twice = loadAnswering([new TypeError('Failed to fetch'), new TypeError('Failed to fetch')]);
    const loader = retryingLoad(twice.load, { timers: clock.timers });
    loader.run();
    loader.run();
    await flush();
    expect(clock.waiting()).toEqual([1000]);
  });

  it('retry-load - what is worth asking again', () => {
    expect(worthRetrying(new TypeError('Failed to fetch'))).toBe(true);
    expect(worthRetrying(new ApiError(502, 'bad_gateway', 'x'))).toBe(true);
    expect(worthRetrying(new ApiError(429, 'too_many', 'x'))).toBe(true);
    expect(worthRetrying(new ApiError(401, 'unauthorized', 'x'))).toBe(false);
    expect(worthRetrying(new ApiError(400, 'bad_request', 'x'))).toBe(false);
  });
});
