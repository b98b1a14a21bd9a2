import { systemClock, type Clock } from '@vigil/shared';
import { LineSplitter, type LineSink } from './line-splitter.js';
import type { TailReset, TailSink } from './tailer.js';
import { TokenBucket } from './token-bucket.js';
import { cutUtf8 } from './utf8.js';

export interface SourceLimits {
  /**
   * Lines scanned per second per source; lines beyond are counted as skipped, not scanned.
   * Scanning a line (decode and match against the runbook table) costs about 0.3 µs, so
   * the default caps a source at a few percent of a core.
   * @default 20000
   */
  maxLinesPerSecond?: number;
  /** Bytes scanned per second per source (each line charged at most maxLineBytes). @default 4194304 (4 MiB/s) */
  maxBytesPerSecond?: number;
  /** Longest line scanned, in bytes; longer lines are cut and counted. @default 8192 */
  maxLineBytes?: number;
}

/** What happened to the lines of one source. Every byte consumed is either scanned or skipped. */
export interface SourceCounters {
  linesScanned: number;
  /** Raw bytes of scanned lines, terminators included. */
  bytesScanned: number;
  /** Complete lines dropped by the rate limit. */
  skippedLines: number;
  /** Bytes of skipped lines, of partial lines given up, and of file regions jumped over unread. */
  skippedBytes: number;
  truncatedLines: number;
  /** Scanned lines whose handler threw. */
  handlerErrors: number;
}

/** Most bytes split, and most pre-split lines handled, in one turn of the event loop. */
const SLICE_BYTES = 64 * 1024;
const SLICE_LINES = 2048;

/** Receives each scanned line of a source. */
export type LineHandler = (text: string) => void;

/**
 * One source's path from bytes to scanned lines: split, then admit within a per-source
 * budget. The budget is what keeps a flood from one file from eating the event loop that
 * heartbeats and recovery share; what it turns away is counted, never silently lost.
 */
export class LineSource implements TailSink {
  private readonly splitter: LineSplitter;
  private readonly maxLineBytes: number;
  private readonly clock: Clock;
  /** The clock read once per chunk: reading it per line cost as much as skipping the line. */
  private now = 0;
  private readonly deferred: (() => void)[] = [];
  private readonly lines: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly sink: LineSink;
  private readonly c: SourceCounters = { linesScanned: 0, bytesScanned: 0, skippedLines: 0, skippedBytes: 0, truncatedLines: 0, handlerErrors: 0 };

  constructor(
    readonly source: string,
    handler: LineHandler,
    limits: SourceLimits = {},
    clock: Clock = systemClock,
  ) {
    const maxLineBytes = limits.maxLineBytes ?? 8192;
    const maxLines = limits.maxLinesPerSecond ?? 20_000;
    const maxBytes = limits.maxBytesPerSecond ?? 4 * 1024 * 1024;
    this.splitter = new LineSplitter({ maxLineBytes });
    this.lines = new TokenBucket(maxLines, maxLines, clock);
    // At least one longest line must fit, or such a line could never be admitted.
    this.bytes = new TokenBucket(maxBytes, Math.max(maxBytes, maxLineBytes + 1), clock);
    const c = this.c;
    const lines = this.lines;
    const bytes = this.bytes;
    const charge = (raw: number) => Math.min(raw, maxLineBytes + 1);
    this.sink = {
      admit: (raw) => {
        const now = this.now;
        // Bytes first: a refused byte charge must not have consumed a line token.
        if (bytes.available(now) >= charge(raw) && lines.tryTake(1, now)) {
          bytes.tryTake(charge(raw), now);
          c.linesScanned++;
          c.bytesScanned += raw;
          return true;
        }
        c.skippedLines++;
        c.skippedBytes += raw;
        return false;
      },
      line(text, _raw, truncated) {
        if (truncated) c.truncatedLines++;
        try {
          handler(text);
        } catch {
          // One bad line must not stop the lines after it, nor the deferred work queue.
          c.handlerErrors++;
        }
      },
      discarded(raw) {
        c.skippedBytes += raw;
      },
    };
    this.maxLineBytes = maxLineBytes;
    this.clock = clock;
  }

  /** Raw bytes from a file or a stream, in order; `chunk` need not outlive the call. */
  data(chunk: Buffer): void {
    if (chunk.length <= SLICE_BYTES && this.deferred.length === 0) return this.dataNow(chunk);
    for (let o = 0; o < chunk.length; o += SLICE_BYTES) {
      // A copy: the caller may reuse its buffer (the tailer does) before this slice's turn comes.
      const slice = Buffer.from(chunk.subarray(o, o + SLICE_BYTES));
      this.defer(() => this.dataNow(slice));
    }
  }

  reset(event: TailReset): void {
    if (this.deferred.length > 0) return this.defer(() => this.resetNow(event));
    this.resetNow(event);
  }

  /** Lines already split by someone else (a readline interface, journald entries). */
  pushLines(lines: readonly string[]): void {
    if (lines.length <= SLICE_LINES && this.deferred.length === 0) return this.linesNow(lines);
    for (let i = 0; i < lines.length; i += SLICE_LINES) {
      const slice = lines.slice(i, i + SLICE_LINES);
      this.defer(() => this.linesNow(slice));
    }
  }

  /** The stream ended: its last unterminated line is complete. */
  end(): void {
    if (this.deferred.length > 0) return this.defer(() => this.endNow());
    this.endNow();
  }

  /** Resolves once work handed over in large pieces has been done. */
  async idle(): Promise<void> {
    while (this.deferred.length > 0) await new Promise((r) => setImmediate(r));
  }

  private dataNow(chunk: Buffer): void {
    this.now = this.clock.now();
    this.splitter.push(chunk, this.sink);
  }

  private resetNow(event: TailReset): void {
    switch (event.type) {
      case 'rotated':
      case 'truncated':
        this.now = this.clock.now();
        // The writer is done with what came before: its unterminated last line is a line.
        this.splitter.flush(this.sink);
        return;
      case 'skipped':
        this.c.skippedBytes += event.bytes;
        this.splitter.resync(this.sink, event.midLine);
        return;
    }
  }

  private linesNow(lines: readonly string[]): void {
    this.now = this.clock.now();
    for (const line of lines) {
      const raw = Buffer.byteLength(line, 'utf8') + 1;
      if (!this.sink.admit(raw)) continue;
      const { text, cut } = cutUtf8(line, this.maxLineBytes);
      this.sink.line(text, raw, cut);
    }
  }

  private endNow(): void {
    this.now = this.clock.now();
    this.splitter.flush(this.sink);
  }

  /**
   * Large input is done one slice per turn of the event loop, so a caller that hands
   * over 100 MB at once delays a heartbeat timer by one slice, not by all of it. Order
   * is kept: once anything waits, everything after it waits too.
   */
  private defer(work: () => void): void {
    this.deferred.push(work);
    if (this.deferred.length === 1) setImmediate(this.runDeferred);
  }

  private readonly runDeferred = (): void => {
    const work = this.deferred.shift();
    work?.();
    if (this.deferred.length > 0) setImmediate(this.runDeferred);
  };

  /** Bytes held for a line still waiting for its newline. */
  get pendingBytes(): number {
    return this.splitter.pendingBytes;
  }

  counters(): SourceCounters {
    return { ...this.c };
  }
}
