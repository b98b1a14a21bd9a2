import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '@vigil/shared';
import { PollPace, type PaceState } from './poll-pace.js';
import { TokenBucket } from './token-bucket.js';

/** Why the byte stream from a tailer does not simply continue. */
export type TailReset =
  /** The path now names a new file; the old one was read to its end first. */
  | { type: 'rotated' }
  /** The file shrank below the read position (copy-truncate); reading restarts at 0. */
  | { type: 'truncated' }
  /** The reader fell too far behind and jumped `bytes` ahead unread; `midLine`: it landed inside a line. */
  | { type: 'skipped'; bytes: number; midLine: boolean };

/** Where a tailer delivers what it reads. */
export interface TailSink {
  /** `chunk` is reused for the next read: copy what must outlive the call. */
  data(chunk: Buffer): void;
  reset(event: TailReset): void;
}

/** Change notifications for one directory; fs.watch by default (tests give their own). */
export type DirWatch = (dir: string, onChange: (file: string | null) => void, onError: (err: Error) => void) => { close(): void };

export interface TailerOptions {
  /**
   * How often to look at the file without a change notification while notifications are
   * off or have missed a change; fs.watch misses events on network and some overlay
   * filesystems, and after a directory is recreated.
   * @default 250
   */
  pollIntervalMs?: number;
  /**
   * The poll while notifications have announced every change the poll found (see
   * poll-pace.ts); never shorter than `pollIntervalMs`.
   * @default 2000
   */
  watchedPollIntervalMs?: number;
  /** Bytes read per read call; bounds the work between two turns of the event loop. @default 65536 */
  chunkBytes?: number;
  /** Where to begin in a file that exists at start; a file that appears later is read from its start. @default 'end' */
  startAt?: 'end' | 'start';
  /** Read rate cap: a flood cannot make the tailer read faster than this. @default 16777216 (16 MiB/s) */
  maxReadBytesPerSecond?: number;
  /**
   * How far behind the end of the file the reader may fall before it jumps to the end
   * (counting what it skipped): recent lines are worth more than a backlog from a flood.
   * @default 8388608 (8 MiB)
   */
  maxBacklogBytes?: number;
  /** Use fs.watch on the file's directory as well as polling. @default true */
  watch?: boolean;
  /** @default fs.watch on the directory */
  watchDir?: DirWatch;
  /** @default systemClock */
  clock?: Clock;
}

export interface TailerStats {
  path: string;
  /** Whether a file is open (false until the path exists). */
  open: boolean;
  offset: number;
  bytesRead: number;
  /** Bytes jumped over unread because the reader fell behind. */
  skippedBytes: number;
  rotations: number;
  truncations: number;
  errors: number;
  lastError: string | null;
  /** How the file is polled: notifications off, trusted, or doubted after a miss. */
  pace: PaceState['type'];
  /** Changes the poll found that no notification announced. */
  watchMisses: number;
}

const GONE = new Set(['ENOENT', 'ENOTDIR']);
/** Announced changes in a row that give notifications their trust back after a miss. */
const RETRUST_AFTER = 3;

const fsDirWatch: DirWatch = (dir, onChange, onError) => {
  const w: FSWatcher = watch(dir, { persistent: false }, (_event, file) => onChange(file));
  w.on('error', onError);
  return w;
};

/** What started a pass: the poll, a change notification, or a caller asking (poke). */
type PassTrigger = 'poll' | 'notification' | 'request';

/**
 * Follows a file like `tail -F`: from its end, through rename and copy-truncate rotation,
 * and from its start when it first appears. Only reads bytes; splitting is the sink's job.
 */
export class FileTailer {
  private readonly opts: Required<Omit<TailerOptions, 'clock' | 'watchDir'>>;
  private readonly watchDir: DirWatch;
  private readonly pace: PollPace;
  private readonly clock: Clock;
  private readonly budget: TokenBucket;
  private fh: FileHandle | null = null;
  private ino = -1;
  private dev = -1;
  private offset = 0;
  private watcher: { close(): void } | null = null;
  private timer: TimerHandle | null = null;
  private started = false;
  private stopped = false;
  /** The pass in progress; passes never overlap, a request during one runs another after it. */
  private pass: Promise<void> | null = null;
  private again = false;
  /** What asked for the pass to run again: a notification counts over a poll or a request. */
  private againBy: PassTrigger = 'request';
  private existedAtStart = false;
  /** Times a file was opened at the path after start found none: a change for the pace. */
  private opened = 0;
  private readonly st: Omit<TailerStats, 'pace' | 'watchMisses'>;
  /**
   * One buffer for every read: a fresh 64 KiB buffer per read is external memory that V8
   * answers with full collections, which under a flood showed up as 50-150 ms timer lag.
   */
  private readonly readBuf: Buffer;

  constructor(
    readonly path: string,
    private readonly sink: TailSink,
    options: TailerOptions = {},
  ) {
    this.opts = {
      pollIntervalMs: options.pollIntervalMs ?? 250,
      watchedPollIntervalMs: Math.max(options.watchedPollIntervalMs ?? 2000, options.pollIntervalMs ?? 250),
      chunkBytes: options.chunkBytes ?? 65_536,
      startAt: options.startAt ?? 'end',
      maxReadBytesPerSecond: options.maxReadBytesPerSecond ?? 16 * 1024 * 1024,
      maxBacklogBytes: options.maxBacklogBytes ?? 8 * 1024 * 1024,
      watch: options.watch ?? true,
    };
    for (const key of ['pollIntervalMs', 'watchedPollIntervalMs', 'chunkBytes', 'maxReadBytesPerSecond', 'maxBacklogBytes'] as const) {
      const v = this.opts[key];
      if (!Number.isFinite(v) || v <= 0) throw new RangeError(`tailer ${key} must be a positive number (got ${v})`);
    }
    this.clock = options.clock ?? systemClock;
    this.watchDir = options.watchDir ?? fsDirWatch;
    this.pace = new PollPace({ fastMs: this.opts.pollIntervalMs, slowMs: this.opts.watchedPollIntervalMs, retrustAfter: RETRUST_AFTER });
    this.readBuf = Buffer.allocUnsafe(this.opts.chunkBytes);
    this.budget = new TokenBucket(this.opts.maxReadBytesPerSecond, this.opts.maxReadBytesPerSecond, this.clock);
    this.st = { path, open: false, offset: 0, bytesRead: 0, skippedBytes: 0, rotations: 0, truncations: 0, errors: 0, lastError: null };
  }

  /** Opens the file if it exists (positioned per `startAt`) and starts following it. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      const now = await this.statPath();
      if (now) {
        // Until it opens, a file that was already there still counts as old content.
        this.existedAtStart = this.opts.startAt === 'end';
        await this.openFile(now.ino, now.dev, this.opts.startAt === 'end' ? now.size : 0);
      }
    } catch (err) {
      // Unreadable for now (permissions, I/O): keep polling, the condition may be fixed.
      this.st.errors++;
      this.st.lastError = (err as Error).message;
    }
    if (this.opts.watch) this.startWatch();
    this.schedulePoll();
  }

  /** Stops following and closes the file; resolves once no read is in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
    await this.closeFile();
  }

  stats(): TailerStats {
    return { ...this.st, offset: this.offset, open: this.fh !== null, pace: this.pace.state.type, watchMisses: this.pace.misses };
  }

  /** Resolves once no pass is running (nothing more is being read right now). */
  async idle(): Promise<void> {
    while (this.pass) await this.pass;
  }

  /** Looks at the file now; resolves when everything visible has been read (or budgeted). */
  poke(): Promise<void> {
    return this.run('request');
  }

  private run(by: PassTrigger): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.pass) {
      this.again = true;
      if (by === 'notification' || this.againBy === 'request') this.againBy = by;
      return this.pass;
    }
    this.pass = (async () => {
      let trigger = by;
      try {
        do {
          this.again = false;
          this.againBy = 'request';
          const startedAt = this.clock.now();
          if ((await this.step()) && trigger !== 'request') this.pace.changeFound(trigger, startedAt);
          trigger = this.againBy;
        } while (this.again && !this.stopped);
      } catch (err) {
        this.st.errors++;
        this.st.lastError = (err as Error).message;
      } finally {
        this.pass = null;
      }
    })();
    return this.pass;
  }

  private startWatch(): void {
    const name = basename(this.path);
    try {
      // The directory, not the file: a watch on the file follows its inode through a
      // rename and never hears of the new file created at the path.
      const w = this.watchDir(
        dirname(this.path),
        (file) => {
          if (this.watcher !== w || (file !== null && file !== name)) return;
          this.pace.notified(this.clock.now());
          void this.run('notification');
        },
        (err) => {
          if (this.watcher !== w) return;
          // Polling carries on alone; a watch is an accelerator, not a requirement.
          this.st.lastError = `fs.watch: ${err.message}`;
          w.close();
          this.watcher = null;
          this.pace.watchLost();
          this.repoll();
        },
      );
      this.watcher = w;
      this.pace.watchStarted();
    } catch {
      // No directory yet, or no watches left: polled, and tried again at the next poll.
      this.watcher = null;
      this.pace.watchLost();
    }
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (this.pace.tick() === 'restart-watch' && this.watcher) {
        // Started again below; the pace stays doubted: the new watch must earn its trust back.
        this.watcher.close();
        this.watcher = null;
      }
      // Without a watch, try again: its directory may exist by now, or the condition that
      // failed it be gone. One failed inotify_add_watch costs less than fast polling for ever.
      if (this.opts.watch && !this.watcher) this.startWatch();
      void this.run('poll').finally(() => this.schedulePoll());
    }, this.pace.intervalMs());
  }

  /** The pace quickened between polls: the poll already waiting would come too late. */
  private repoll(): void {
    if (this.timer === null || this.stopped) return;
    this.clock.clearTimeout(this.timer);
    this.schedulePoll();
  }

  private async statPath(): Promise<{ ino: number; dev: number; size: number } | null> {
    try {
      const s = await stat(this.path);
      return s.isFile() ? { ino: s.ino, dev: s.dev, size: s.size } : null;
    } catch (err) {
      if (GONE.has((err as NodeJS.ErrnoException).code ?? '')) return null;
      throw err;
    }
  }

  /** One look at the path and the open file; true if anything changed (see changeMark). */
  private async step(): Promise<boolean> {
    const before = this.changeMark();
    const now = await this.statPath();
    if (this.fh === null) {
      // Appeared after start: every byte in it is new.
      if (now) await this.openFile(now.ino, now.dev, this.existedAtStart ? now.size : 0);
      if (this.fh) this.opened++;
    } else if (now && (now.ino !== this.ino || now.dev !== this.dev)) {
      // Renamed away and replaced. Lines written just before the rename are in the old
      // file: read it to its end before letting go of it.
      await this.readAvailable(true);
      await this.closeFile();
      this.st.rotations++;
      this.sink.reset({ type: 'rotated' });
      await this.openFile(now.ino, now.dev, 0);
    }
    // A path that vanished leaves the open file readable: a writer may still append to it.
    // While the path still names the open file, its stat gave the size: no second stat.
    const size = now && now.ino === this.ino && now.dev === this.dev ? now.size : undefined;
    if (this.fh) await this.readAvailable(false, size);
    return this.changeMark() !== before;
  }

  /** Grows with every change a pass can find: the file opened, bytes read or skipped, a reset. */
  private changeMark(): number {
    return this.opened + this.st.bytesRead + this.st.skippedBytes + this.st.rotations + this.st.truncations;
  }

  private async openFile(ino: number, dev: number, offset: number): Promise<void> {
    try {
      this.fh = await open(this.path, 'r');
    } catch (err) {
      if (GONE.has((err as NodeJS.ErrnoException).code ?? '')) return;
      throw err;
    }
    // Trust the inode of what was opened, not of what was stat'ed: the path may have changed in between.
    const s = await this.fh.stat();
    this.ino = s.ino;
    this.dev = s.dev;
    this.offset = s.ino === ino && s.dev === dev ? Math.min(offset, s.size) : 0;
    this.existedAtStart = false;
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => undefined);
  }

  /**
   * Reads from the offset to the current end, within the read budget. With `final` (the
   * file is about to be let go), whatever the budget does not allow is skipped, since
   * there is no later chance to read it.
   */
  private async readAvailable(final: boolean, knownSize?: number): Promise<void> {
    const fh = this.fh!;
    let size = knownSize ?? (await fh.stat()).size;
    if (size < this.offset) {
      this.st.truncations++;
      this.offset = 0;
      this.sink.reset({ type: 'truncated' });
    }
    if (size - this.offset > this.opts.maxBacklogBytes) await this.skipTo(fh, size);
    while (this.offset < size && !this.stopped) {
      const want = Math.min(this.opts.chunkBytes, size - this.offset);
      const allowed = this.budget.takeUpTo(want);
      if (allowed === 0) {
        if (final) await this.skipTo(fh, size);
        return; // The next poll or change notification resumes once the budget refills.
      }
      const buf = this.readBuf;
      const { bytesRead } = await fh.read(buf, 0, allowed, this.offset);
      if (bytesRead === 0) {
        // Shrunk since the stat: the next pass sees the truncation.
        size = this.offset;
        break;
      }
      this.offset += bytesRead;
      this.st.bytesRead += bytesRead;
      this.sink.data(buf.subarray(0, bytesRead));
    }
  }

  private async skipTo(fh: FileHandle, target: number): Promise<void> {
    const bytes = target - this.offset;
    if (bytes <= 0) return;
    // Writers write whole lines, so the end usually starts a line; check rather than assume.
    const prev = Buffer.alloc(1);
    const { bytesRead } = await fh.read(prev, 0, 1, target - 1);
    this.offset = target;
    this.st.skippedBytes += bytes;
    this.sink.reset({ type: 'skipped', bytes, midLine: bytesRead === 1 && prev[0] !== 0x0a });
  }
}
