import { describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { DiagnosisQueue } from './diagnosis-queue.js';

/** A diagnosis the test finishes by hand. */
interface Run {
  key: string;
  finish(result?: string): void;
  fail(err: Error): void;
}

function harness(limit: number) {
  const clock = new FakeClock();
  const runs: Run[] = [];
  const back = new Set<string>();
  let active = 0;
  let peak = 0;
  const q = new DiagnosisQueue<string>(limit, (key) => !back.has(key), clock);
  const task = (key: string) => () =>
    new Promise<string>((resolve, reject) => {
      active++;
      peak = Math.max(peak, active);
      runs.push({
        key,
        finish: (r = `diagnosed ${key}`) => {
          active--;
          resolve(r);
        },
        fail: (err) => {
          active--;
          reject(err);
        },
      });
    });
  const submit = (key: string) => q.submit(key, task(key));
  const started = () => runs.map((r) => r.key);
  const run = (key: string) => runs.find((r) => r.key === key)!;
  return { q, submit, clock, runs, back, started, run, peak: () => peak };
}

/** Lets the queue's promise callbacks run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('diagnosis queue', () => {
  it('diagnosis queue - runs at most the limit at once, the rest in arrival order', async () => {
    const h = harness(2);
    const results = ['a', 'b', 'c', 'd', 'e'].map((k) => h.submit(k));
    await settle();
    expect(h.started()).toEqual(['a', 'b']);
    expect(h.q.load()).toMatchObject({ running: 2, queued: 3 });

    h.run('b').finish();
    await settle();
    expect(h.started()).toEqual(['a', 'b', 'c']);
    h.run('a').finish();
    h.run('c').finish();
    await settle();
    expect(h.started()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(h.q.load()).toMatchObject({ running: 2, queued: 0 });
    h.run('d').finish();
    h.run('e').finish();

    expect(await Promise.all(results)).toEqual(['diagnosed a', 'diagnosed b', 'diagnosed c', 'diagnosed d', 'diagnosed e']);
    expect(h.peak()).toBe(2);
    expect(h.q.load()).toEqual({ running: 0, queued: 0, oldestWaitMs: 0 });
  });

  it('diagnosis queue - a host already running or waiting is not diagnosed twice', async () => {
    const h = harness(1);
    const a1 = h.submit('a');
    const b1 = h.submit('b');
    expect(h.submit('a')).toBe(a1);
    expect(h.submit('b')).toBe(b1);
    expect(h.q.load().queued).toBe(1);
    await settle();
    h.run('a').finish();
    await settle();
    h.run('b').finish('only once');
    expect(await b1).toBe('only once');
    expect(h.started()).toEqual(['a', 'b']);
    // Finished: the next silence diagnoses it again.
    h.submit('a');
    await settle();
    expect(h.started()).toEqual(['a', 'b', 'a']);
  });

  it('diagnosis queue - a dequeued host that is back online is skipped, and the next one runs', async () => {
    const h = harness(1);
    void h.submit('a');
    const b = h.submit('b');
    const c = h.submit('c');
    await settle();
    h.back.add('b');
    h.run('a').finish();
    expect(await b).toBeUndefined();
    await settle();
    expect(h.started()).toEqual(['a', 'c']);
    h.run('c').finish();
    expect(await c).toBe('diagnosed c');
  });

  it('diagnosis queue - drop() takes a waiting host out at once; a running one finishes', async () => {
    const h = harness(1);
    const a = h.submit('a');
    const b = h.submit('b');
    await settle();
    expect(h.q.drop('a')).toBe(false);
    expect(h.q.drop('b')).toBe(true);
    expect(await b).toBeUndefined();
    expect(h.q.load().queued).toBe(0);
    h.run('a').finish();
    expect(await a).toBe('diagnosed a');
    await settle();
    expect(h.started()).toEqual(['a']);
  });

  it('diagnosis queue - reports how long the head of the queue has waited, on its clock', async () => {
    const h = harness(1);
    void h.submit('a');
    h.clock.advance(1000);
    void h.submit('b');
    h.clock.advance(2500);
    void h.submit('c');
    expect(h.q.load()).toEqual({ running: 1, queued: 2, oldestWaitMs: 2500 });
    await settle();
    h.run('a').finish();
    await settle();
    h.clock.advance(500);
    // c is at the head now, queued 500 ms ago.
    expect(h.q.load()).toEqual({ running: 1, queued: 1, oldestWaitMs: 500 });
  });

  it('diagnosis queue - a failed diagnosis frees its slot and reaches its caller', async () => {
    const h = harness(1);
    const a = h.submit('a');
    const b = h.submit('b');
    await settle();
    h.run('a').fail(new Error('probe crashed'));
    await expect(a).rejects.toThrow('probe crashed');
    await settle();
    h.run('b').fail(new Error('again'));
    await expect(b).rejects.toThrow('again');
    await h.q.idle();
    expect(h.q.load().running).toBe(0);
  });

  it('diagnosis queue - idle() waits for queued work too', async () => {
    const h = harness(1);
    void h.submit('a');
    void h.submit('b');
    let idle = false;
    void h.q.idle().then(() => (idle = true));
    await settle();
    h.run('a').finish();
    await settle();
    expect(idle).toBe(false);
    h.run('b').finish();
    await settle();
    expect(idle).toBe(true);
  });

  it('diagnosis queue - refuses a limit below 1', () => {
    expect(() => new DiagnosisQueue(0, () => true, new FakeClock())).toThrow(/at least 1, got 0/);
  });
});
