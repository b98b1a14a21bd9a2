import { closeSync, fstatSync, openSync, readSync, statSync, truncateSync, watch, type FSWatcher } from 'node:fs';
import { systemClock } from '@vigil/shared';
import { Cadence } from '../cadence.js';
import { LineSplitter } from './lines.js';

export interface OutputFollowerOptions {
  /** How often the file is looked at when change notices are not available. @default 250 */
  pollMs?: number;
  /** How often it is looked at anyway when they are (a safety net: one wake-up, not one per write). @default 5000 */
  safetyPollMs?: number;
  /** Once read, a file past this size is emptied (the service appends, so it writes on at 0). @default 8 MiB */
  maxBytes?: number;
  /** Longest line; longer ones are cut. @default 4096 */
  maxLineLength?: number;
  /**
   * When the polls fall: the agent's beat (cadence.ts), so an idle agent's followers look at
   * their files in the wake-up it has anyway, not in one of their own each. @default points
   * at whole multiples of the period on the wall clock (every follower at the same instants)
   */
  grid?: PollGrid;
}

/** Milliseconds until the next point of a grid of `periodMs`: the agent's Cadence. */
export type PollGrid = Pick<Cadence, 'delay'>;

/** Without the agent's beat: a grid of phase 0 on the system clock, the same for every follower. */
const wallClockGrid: PollGrid = new Cadence(systemClock);

const CHUNK = 64 * 1024;

/**
 * Follows the file a process service writes its stdout and stderr to. A file, not a
 * pipe: a pipe ends with the agent, and a service that writes to it afterwards dies of
 * EPIPE/SIGPIPE, so a service could not outlive a crashed agent to be adopted by the
 * next. Read on change notices (inotify; a poll where there are none, and a slow one as a
 * safety net); `drain()` reads to the end at once
 * (at an exit, so its last lines are in before anyone asks why it ended).
 */
export class OutputFollower {
  private readonly splitter: LineSplitter;
  private readonly pollMs: number;
  private readonly safetyPollMs: number;
  private readonly maxBytes: number;
  private readonly grid: PollGrid;
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private readonly buf = Buffer.allocUnsafe(CHUNK);

  constructor(
    readonly path: string,
    onLine: (text: string) => void,
    options: OutputFollowerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.safetyPollMs = options.safetyPollMs ?? 5000;
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.grid = options.grid ?? wallClockGrid;
    this.splitter = new LineSplitter(onLine, options.maxLineLength ?? 4096);
  }

  /** Follows from `offset` (the file's size before a start: that run's output from its first line). */
  start(offset: number): void {
    this.offset = offset;
    if (this.timer) return;
    this.arm();
  }

  /** Whether change notices follow the file (else the short poll does). */
  get notified(): boolean {
    return this.watcher !== undefined;
  }

  /**
   * Takes change notices where it can and polls at the pace that goes with them. Without
   * them (no file yet, inotify limits, a watch that failed), every short poll tries again:
   * a follower must not poll four times a second for ever because its file did not exist
   * at the moment it started.
   */
  private arm(): void {
    this.watchFile();
    this.pace();
  }

  private watchFile(): boolean {
    try {
      const w = watch(this.path, () => this.drain());
      w.on('error', () => {
        w.close();
        if (this.watcher !== w) return;
        this.watcher = undefined;
        if (this.timer) this.pace();
      });
      w.unref();
      this.watcher = w;
      return true;
    } catch {
      // No change notices for now (one failed inotify_add_watch): the short poll tries again.
      return false;
    }
  }

  /**
   * The next poll, at the next point of the grid. Each follower on a timer of its own
   * (setInterval from when it started) woke the agent once per file per period, which
   * bench/agent-footprint showed as a large share of an idle agent's CPU.
   */
  private pace(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // Nearly every poll finds nothing new (the notices did the reading): one stat of the
      // path decides, where a drain opens, stats and closes the file. An idle agent's CPU
      // is the sum of such small costs.
      if (OutputFollower.sizeOf(this.path) !== this.offset) this.drain();
      if (!this.watcher) this.watchFile();
      if (this.timer) this.pace();
    }, this.grid.delay(this.watcher ? this.safetyPollMs : this.pollMs));
    this.timer.unref();
  }

  /** The file's size now (0 when missing): one stat of the path. */
  static sizeOf(path: string): number {
    try {
      return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    } catch {
      return 0;
    }
  }

  /** Reads everything written since the last read. */
  drain(): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0; // emptied by someone else
      while (this.offset < size) {
        const n = readSync(fd, this.buf, 0, Math.min(CHUNK, size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.splitter.write(this.buf.subarray(0, n));
      }
      if (this.offset >= this.maxBytes) {
        // Everything in it has been read: start it over rather than fill the disk.
        truncateSync(this.path, 0);
        this.offset = 0;
      }
    } catch {
      // Vanished or unreadable meanwhile: try again at the next notice.
    } finally {
      closeSync(fd);
    }
  }

  stop(): void {
    this.drain();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }
}
