import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '@vigil/shared';
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

export interface TailerOptions {
  /**
   * How often to look at the file even without a change notification; fs.watch misses
   * events on network and some overlay filesystems, and after a directory is recreated.
   * @default 250
   */
  pollIntervalMs?: number;
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
}

const GONE = new Set(['ENOENT', 'ENOTDIR']);

/**
 * Follows a file like `tail -F`: from its end, through rename and copy-truncate rotation,
 * and from its start when it first appears. Only reads bytes; splitting is the sink's job.
 */
export class FileTailer {
  private readonly opts: Required<Omit<TailerOptions, 'clock'>>;
  private readonly clock: Clock;
  private readonly budget: TokenBucket;
  private fh: FileHandle | null = null;
  private ino = -1;
  private dev = -1;
  private offset = 0;
  private watcher: FSWatcher | null = null;
  private timer: TimerHandle | null = null;
  private started = false;
  private stopped = false;
  /** The pass in progress; passes never overlap, a request during one runs another after it. */
  private pass: Promise<void> | null = null;
  private again = false;
  private existedAtStart = false;
  private readonly st: TailerStats;
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
      chunkBytes: options.chunkBytes ?? 65_536,
      startAt: options.startAt ?? 'end',
      maxReadBytesPerSecond: options.maxReadBytesPerSecond ?? 16 * 1024 * 1024,
      maxBacklogBytes: options.maxBacklogBytes ?? 8 * 1024 * 1024,
      watch: options.watch ?? true,
    };
    for (const key of ['pollIntervalMs', 'chunkBytes', 'maxReadBytesPerSecond', 'maxBacklogBytes'] as const) {
      const v = this.opts[key];
      if (!Number.isFinite(v) || v <= 0) throw new RangeError(`tailer ${key} must be a positive number (got ${v})`);
    }
    this.clock = options.clock ?? systemClock;
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
    return { ...this.st, offset: this.offset, open: this.fh !== null };
  }

  /** Looks at the file now; resolves when everything visible has been read (or budgeted). */
  poke(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    this.pass = (async () => {
      try {
        do {
          this.again = false;
          await this.step();
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
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
        if (file === null || file === name) void this.poke();
      });
      this.watcher.on('error', (err) => {
        // Polling carries on alone; a watch is an accelerator, not a requirement.
        this.st.lastError = `fs.watch: ${err.message}`;
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null;
    }
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      void this.poke().finally(() => this.schedulePoll());
    }, this.opts.pollIntervalMs);
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

  private async step(): Promise<void> {
    const now = await this.statPath();
    if (this.fh === null) {
      // Appeared after start: every byte in it is new.
      if (now) await this.openFile(now.ino, now.dev, this.existedAtStart ? now.size : 0);
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
    if (this.fh) await this.readAvailable(false);
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
  private async readAvailable(final: boolean): Promise<void> {
    const fh = this.fh!;
    let size = (await fh.stat()).size;
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
