import { VigilError, type Clock, type Logger, type TimerHandle } from '@vigil/shared';

/**
 * SQLite result codes that say the store cannot take writes right now (disk full, I/O
 * error, read-only remount, locked beyond the busy timeout), as opposed to a write that is
 * wrong in itself (a constraint, a bug). Only these degrade the coordinator; the others
 * are thrown on as before.
 */
const STORE_CONDITIONS = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_NOMEM', 'SQLITE_PROTOCOL'];

/** True for an error of a store that cannot write now (see STORE_CONDITIONS). */
export function isStoreCondition(err: unknown): err is Error & { code: string } {
  if (err instanceof StoreUnavailableError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORE_CONDITIONS.some((c) => code === c || code.startsWith(`${c}_`));
}

/**
 * A write refused because the store cannot write (UNAVAILABLE: HTTP 503). The message
 * names what was being written and the store's own words, e.g. "database or disk is full".
 */
export class StoreUnavailableError extends VigilError {
  constructor(
    readonly what: string,
    cause: Error,
  ) {
    const code = (cause as { code?: string }).code;
    super('UNAVAILABLE', `the store cannot write (${cause.message}${code ? `, ${code}` : ''}); ${what} was not saved. The coordinator is degraded and keeps watching the fleet from memory; retry once /readyz is 200`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

/** Where the guard reports; `Readiness` in production. */
export interface StoreHealth {
  storeFailed(err: Error, what?: string): void;
  storeOk(): void;
}

export interface WriteGuardMetrics {
  /** A write the store refused; `what` is one of a few fixed words (a metric label). */
  failed(what: string): void;
  /** The store is degraded (true) or takes writes again (false). */
  degraded(on: boolean): void;
  /** Kept writes written on catch-up. */
  caughtUp(n: number): void;
}

export interface WriteGuardOptions {
  /** First wait before kept writes are tried again, in ms; doubled up to `retryMaxMs`. @default 1000 */
  retryMinMs: number;
  /** Longest wait between catch-up attempts, in ms. @default 30000 */
  retryMaxMs: number;
  /**
   * Kept writes beyond this are dropped (counted and logged once per episode): memory must
   * stay bounded however long the disk stays full. Keys replace their own write, so a host
   * row counts once however often it changes. @default 100000
   */
  maxPending: number;
}

export const DEFAULT_WRITE_GUARD_OPTIONS: WriteGuardOptions = { retryMinMs: 1000, retryMaxMs: 30_000, maxPending: 100_000 };

/** What became of a write given to `persist`. `dropped`: neither written nor kept (too many kept). */
export type PersistOutcome = 'written' | 'kept' | 'dropped';

/** A write kept for catch-up; it reads what to save from memory when it runs. */
export type KeptWrite = () => void;

/** A degraded spell: from the first refused write to the moment everything kept is written. */
interface Episode {
  since: number;
  failures: number;
  firstError: string;
  dropped: number;
}

/**
 * The one way the coordinator writes its store from an event handler, a timer or a
 * request. A full disk (or an I/O error, a read-only remount) must not crash it or stop it
 * watching the fleet, and nothing it accepted may be lost:
 *
 * - `attempt(what, write)` runs a write; if the store refuses it, the failure is counted
 *   and false is returned (the caller does not ack, answers 503, or retries next tick);
 * - `persist(key, what, write)` runs a write or, if the store refuses it, keeps it under
 *   `key` and writes it later, in the order kept; a later write under the same key
 *   replaces the kept one in place (a host row is re-saved from memory once, not once per
 *   change). While writes are kept, new ones queue behind them, so order holds (a host's
 *   row before its transitions, events in sequence);
 * - the kept writes are tried again on a backoff timer and right after any write that
 *   succeeds (the disk has room again).
 *
 * One warn line starts a degraded episode and one info line ends it, with how long it
 * lasted and how many kept writes were caught up: never one line per write.
 */
export class StoreWriteGuard implements StoreHealth {
  private readonly kept = new Map<string, { what: string; write: KeptWrite }>();
  private episode: Episode | undefined;
  private caughtUpInEpisode = 0;
  private timer: TimerHandle | undefined;
  private backoffMs: number;
  private flushing = false;
  private stopped = false;
  private anonymous = 0;
  private readonly recoveredListeners: (() => void)[] = [];
  private readonly opts: WriteGuardOptions;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly health: StoreHealth = { storeFailed: () => {}, storeOk: () => {} },
    private readonly metrics: WriteGuardMetrics = { failed: () => {}, degraded: () => {}, caughtUp: () => {} },
    options: Partial<WriteGuardOptions> = {},
  ) {
    this.opts = { ...DEFAULT_WRITE_GUARD_OPTIONS, ...options };
    this.backoffMs = this.opts.retryMinMs;
  }

  /** True from the first refused write until every kept write is written. */
  get degraded(): boolean {
    return this.episode !== undefined;
  }

  /** Why the store is degraded, for /healthz; undefined when it is not. */
  reason(): string | undefined {
    const e = this.episode;
    if (!e) return undefined;
    return `store cannot write since ${new Date(e.since).toISOString()}: ${e.firstError}; ${this.kept.size} writes kept for catch-up`;
  }

  pendingCount(): number {
    return this.kept.size;
  }

  /** Called after an episode ends: whatever was skipped rather than kept may be redone. */
  onRecovered(fn: () => void): void {
    this.recoveredListeners.push(fn);
  }

  /**
   * Runs one write. Returns true when it committed, false when the store refused it (a
   * store condition; counted). Any other error is thrown: it is a bug, not the disk.
   */
  attempt(what: string, write: () => void): boolean {
    try {
      write();
    } catch (err) {
      if (!isStoreCondition(err)) throw err;
      this.storeFailed(err, what);
      return false;
    }
    this.storeOk();
    return true;
  }

  /** As `attempt`, for a caller that answers someone: a refusal is thrown as StoreUnavailableError (503). */
  run<T>(what: string, write: () => T): T {
    // Kept writes go first, so this one cannot overtake what it may depend on (the host
    // row before its removal, a transition before the incident that follows from it).
    if (this.kept.size > 0 && !this.flushing) {
      this.catchUp();
      if (this.kept.size > 0) throw new StoreUnavailableError(what, new Error(`${this.episode?.firstError ?? 'the store refused a write'}; ${this.kept.size} earlier writes wait to be written first`));
    }
    let out: T;
    try {
      out = write();
    } catch (err) {
      if (!isStoreCondition(err)) throw err;
      this.storeFailed(err, what);
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError(what, err);
    }
    this.storeOk();
    return out;
  }

  /**
   * Writes now, or keeps the write for catch-up if the store refuses it (or older writes
   * still wait). Returns true when it was written now. `key` names what the write saves
   * (e.g. `host:web-1`); undefined for a write that is one of a kind (a transition).
   */
  persist(key: string | undefined, what: string, write: KeptWrite): PersistOutcome {
    if (this.kept.size === 0 && !this.flushing) {
      if (this.attempt(what, write)) return 'written';
    }
    const k = this.keep(key, what, write);
    if (k === undefined) return 'dropped';
    // Not from inside a catch-up: that one is already working through the queue.
    if (!this.flushing) this.catchUp();
    return this.kept.has(k) ? 'kept' : 'written';
  }

  /**
   * Keeps a write for catch-up without trying it now: its own attempt just failed (a
   * heartbeat batch). Returns the key it is kept under, or undefined when it was dropped
   * (too many kept).
   */
  keep(key: string | undefined, what: string, write: KeptWrite): string | undefined {
    const k = key ?? `#${++this.anonymous}`;
    const had = this.kept.get(k);
    if (had) {
      // In place: the replaced write's turn in the order is kept.
      had.write = write;
      had.what = what;
      return k;
    }
    if (this.kept.size >= this.opts.maxPending) {
      const e = this.episode;
      if (e && e.dropped++ === 0) {
        this.log.error({ maxPending: this.opts.maxPending, what }, 'too many writes kept while the store cannot write: further ones are dropped (agents replay their unacked events on reconnect)');
      }
      return undefined;
    }
    this.kept.set(k, { what, write });
    this.scheduleRetry();
    return k;
  }

  /** Drops a kept write (the thing it would save is gone). */
  forget(key: string): void {
    this.kept.delete(key);
  }

  // StoreHealth: the heartbeat writer and the outbox publisher report their own commits here.

  /** A write committed: kept writes go now, and the episode ends once none remain. */
  storeOk(): void {
    if (!this.episode) {
      this.health.storeOk();
      return;
    }
    if (this.kept.size > 0) {
      if (!this.flushing) this.catchUp();
      return;
    }
    this.recovered();
  }

  /** A write was refused. */
  storeFailed(err: Error, what = 'a write'): void {
    this.metrics.failed(what);
    this.health.storeFailed(err);
    const now = this.clock.now();
    if (this.episode) {
      this.episode.failures++;
    } else {
      this.episode = { since: now, failures: 1, firstError: err.message, dropped: 0 };
      this.caughtUpInEpisode = 0;
      this.metrics.degraded(true);
      this.log.error(
        { err: err.message, code: (err as { code?: string }).code, what },
        'the store cannot write: degraded. The fleet is still watched from memory; changes are kept and written when the store takes writes again, agent events are not acked until stored, API writes answer 503',
      );
    }
    this.scheduleRetry();
  }

  /** Tries every kept write again, in order; stops at the first the store still refuses. */
  catchUp(): void {
    if (this.flushing || this.stopped) return;
    this.flushing = true;
    let written = 0;
    try {
      for (const [key, k] of this.kept) {
        try {
          k.write();
        } catch (err) {
          if (isStoreCondition(err)) {
            this.storeFailed(err, k.what);
            return;
          }
          // Not the disk: it would fail forever and hold everything behind it.
          this.kept.delete(key);
          this.log.error({ err, what: k.what }, 'a kept write failed for a reason other than the store; dropped');
          continue;
        }
        this.kept.delete(key);
        written++;
      }
    } finally {
      this.flushing = false;
      if (written > 0) {
        this.caughtUpInEpisode += written;
        this.metrics.caughtUp(written);
      }
    }
    // Only a write that went through proves the store writes again.
    if (this.episode && written > 0 && this.kept.size === 0) this.recovered();
  }

  /**
   * Stops retrying, after one last catch-up. Returns how many kept writes are lost: the
   * store still refused them. Agent events among them were never acked, so their agents
   * send them again; hosts are judged again after the restart grace.
   */
  stop(): number {
    // No listeners now: what they would start (a diagnosis) would outlive the store.
    this.recoveredListeners.length = 0;
    this.catchUp();
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    return this.kept.size;
  }

  /** With nothing kept there is nothing to retry: the next write the coordinator makes anyway tells. */
  private scheduleRetry(): void {
    if (this.timer || this.stopped || this.kept.size === 0) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.retryMaxMs);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.catchUp();
      if (this.episode) this.scheduleRetry();
    }, wait);
  }

  private recovered(): void {
    const e = this.episode;
    if (!e) return;
    this.episode = undefined;
    this.backoffMs = this.opts.retryMinMs;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.health.storeOk();
    this.metrics.degraded(false);
    const now = this.clock.now();
    this.log.info(
      { degradedMs: now - e.since, since: new Date(e.since).toISOString(), failedWrites: e.failures, caughtUp: this.caughtUpInEpisode, dropped: e.dropped },
      'the store takes writes again: kept writes caught up, no longer degraded',
    );
    for (const fn of this.recoveredListeners) {
      try {
        fn();
      } catch (err) {
        this.log.error({ err }, 'catch-up after the store recovered failed');
      }
    }
  }
}
