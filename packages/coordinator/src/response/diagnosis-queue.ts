import type { Clock } from '@vigil/shared';

/** How busy the queue is, for /metrics. */
export interface DiagnosisLoad {
  /** Diagnoses under way. */
  running: number;
  /** Hosts waiting for a slot. */
  queued: number;
  /** How long the host at the head of the queue has waited (0 when none waits). */
  oldestWaitMs: number;
}

interface Waiting<T> {
  readonly key: string;
  readonly since: number;
  readonly task: () => Promise<T | undefined>;
  resolve(value: T | undefined): void;
  reject(err: unknown): void;
}

/**
 * At most `limit` diagnoses at once, one per host, the rest in FIFO order.
 *
 * Every silent host is diagnosed, also under an observer partition, so a fleet-wide cut
 * would otherwise start one diagnosis per host at the same moment: thousands of pings,
 * SSH connects and peer probe requests from one process, and the first verdicts late
 * behind all of them. A host's second request while its diagnosis waits or runs gets the
 * same promise. A host that no longer needs one (`stillNeeded` false: back online, or
 * gone) is dropped when it reaches the head of the queue, or earlier with `drop()`, and
 * its promise resolves `undefined`, as a skipped diagnosis. A rejected task reaches
 * the caller as it is.
 */
export class DiagnosisQueue<T> {
  private readonly waiting: Waiting<T>[] = [];
  private readonly pending = new Map<string, Promise<T | undefined>>();
  private running = 0;

  constructor(
    private readonly limit: number,
    private readonly stillNeeded: (key: string) => boolean,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`diagnosis concurrency must be a whole number of at least 1, got ${limit}`);
  }

  /**
   * Runs `key`'s diagnosis (`task`) now if a slot is free, else queues it; resolves
   * `undefined` when skipped. While `key` waits or runs, its first task stands.
   */
  submit(key: string, task: () => Promise<T | undefined>): Promise<T | undefined> {
    const known = this.pending.get(key);
    if (known) return known;
    if (this.running < this.limit) return this.start(key, task);
    let resolve!: (value: T | undefined) => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<T | undefined>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.waiting.push({ key, since: this.clock.now(), task, resolve, reject });
    this.pending.set(key, promise);
    return promise;
  }

  /** Takes a waiting host out of the queue (a running diagnosis finishes); true when it was queued. */
  drop(key: string): boolean {
    const at = this.waiting.findIndex((w) => w.key === key);
    if (at < 0) return false;
    const [w] = this.waiting.splice(at, 1);
    this.pending.delete(key);
    w!.resolve(undefined);
    return true;
  }

  load(): DiagnosisLoad {
    const head = this.waiting[0];
    return { running: this.running, queued: this.waiting.length, oldestWaitMs: head ? Math.max(0, this.clock.now() - head.since) : 0 };
  }

  /** Resolves once nothing runs or waits, including work started meanwhile. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled(this.pending.values());
  }

  private start(key: string, task: () => Promise<T | undefined>): Promise<T | undefined> {
    this.running++;
    const p = Promise.resolve()
      .then(task)
      .finally(() => {
        this.running--;
        this.pending.delete(key);
        this.next();
      });
    this.pending.set(key, p);
    return p;
  }

  /** Fills free slots from the head of the queue, skipping hosts that no longer need a diagnosis. */
  private next(): void {
    while (this.running < this.limit) {
      const w = this.waiting.shift();
      if (!w) return;
      this.pending.delete(w.key);
      if (!this.stillNeeded(w.key)) {
        w.resolve(undefined);
        continue;
      }
      const p = this.start(w.key, w.task);
      p.then(w.resolve, w.reject);
    }
  }
}
