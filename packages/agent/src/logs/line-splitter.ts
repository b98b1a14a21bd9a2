import { utf8Boundary } from './utf8.js';

/** Where split lines go. `rawBytes` counts every byte consumed, terminator and cut-off tail included. */
export interface LineSink {
  /**
   * Asked once per complete line, before it is decoded. Returning false drops the line
   * undecoded: under a flood, decoding lines nobody will look at is the work to avoid.
   */
  admit(rawBytes: number): boolean;
  line(text: string, rawBytes: number, truncated: boolean): void;
  /** Bytes dropped without forming a line (a partial line given up at a resync). */
  discarded(rawBytes: number): void;
}

export interface LineSplitterOptions {
  /**
   * Longest line kept, in bytes; the rest of a longer line is dropped and the line counted
   * as truncated. Bounds memory for a line without a newline and the cost of matching it.
   * @default 8192
   */
  maxLineBytes?: number;
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines. Pure: bytes in, lines out; knows nothing of files. A
 * line may arrive over several pushes, and a UTF-8 character may be split between them,
 * so the pending part is kept as bytes and decoded only once the line is complete.
 */
export class LineSplitter {
  readonly maxLineBytes: number;
  private parts: Buffer[] = [];
  /** Bytes kept of the pending line (at most maxLineBytes). */
  private keptBytes = 0;
  /** Bytes seen of the pending line, kept or not. */
  private rawBytes = 0;
  /** After a resync into the middle of a line: drop bytes up to the next newline. */
  private discarding = false;
  private truncatedCount = 0;

  constructor(options: LineSplitterOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? 8192;
    if (!Number.isInteger(this.maxLineBytes) || this.maxLineBytes < 16) throw new RangeError(`maxLineBytes must be an integer of at least 16 (got ${this.maxLineBytes})`);
  }

  /** Admitted lines cut to maxLineBytes so far. */
  get truncatedLines(): number {
    return this.truncatedCount;
  }

  /** Bytes of an unfinished line waiting for its newline. */
  get pendingBytes(): number {
    return this.rawBytes;
  }

  push(chunk: Uint8Array, sink: LineSink): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(NL, pos);
      if (nl === -1) {
        this.keep(buf, pos, buf.length);
        return;
      }
      if (this.discarding) {
        sink.discarded(this.rawBytes + nl + 1 - pos);
        this.resetPending();
        this.discarding = false;
      } else if (this.rawBytes === 0) {
        // The common case: the whole line is inside this chunk, decode straight from it.
        this.emit(buf, pos, nl, nl + 1 - pos, sink);
      } else {
        this.keep(buf, pos, nl);
        const joined = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.keptBytes);
        const raw = this.rawBytes + 1;
        const cut = this.rawBytes > this.keptBytes;
        this.resetPending();
        this.emit(joined, 0, joined.length, raw, sink, cut);
      }
      pos = nl + 1;
    }
  }

  /**
   * Ends the current line as if a newline had come: the writer finished with this file
   * (rotation, truncation, end of a stream), so its last unterminated line is complete.
   */
  flush(sink: LineSink): void {
    if (this.rawBytes === 0) return;
    if (this.discarding) {
      sink.discarded(this.rawBytes);
    } else {
      const joined = Buffer.concat(this.parts, this.keptBytes);
      this.emit(joined, 0, joined.length, this.rawBytes, sink, this.rawBytes > this.keptBytes);
    }
    this.resetPending();
    this.discarding = false;
  }

  /**
   * The reader jumped over bytes it will never read. The pending partial line lost its
   * end, so it is dropped; if the jump landed inside a line, bytes up to the next newline
   * are dropped too, since they are the tail of a line whose start is gone.
   */
  resync(sink: LineSink, landedMidLine: boolean): void {
    if (this.rawBytes > 0) sink.discarded(this.rawBytes);
    this.resetPending();
    this.discarding = landedMidLine;
  }

  private keep(buf: Buffer, start: number, end: number): void {
    const len = end - start;
    this.rawBytes += len;
    if (this.discarding) return;
    const room = this.maxLineBytes - this.keptBytes;
    const take = Math.min(len, room);
    if (take > 0) {
      // A copy: the reader may reuse or keep a large chunk alive otherwise.
      this.parts.push(Buffer.from(buf.subarray(start, start + take)));
      this.keptBytes += take;
    }
  }

  private emit(buf: Buffer, start: number, end: number, raw: number, sink: LineSink, alreadyCut = false): void {
    if (!sink.admit(raw)) return;
    let stop = end;
    let truncated = alreadyCut;
    if (stop - start > this.maxLineBytes) {
      stop = start + this.maxLineBytes;
      truncated = true;
    }
    if (truncated) {
      this.truncatedCount++;
      stop = start + utf8Boundary(buf.subarray(start, stop), stop - start);
    } else if (stop > start && buf[stop - 1] === CR) {
      stop--;
    }
    sink.line(buf.toString('utf8', start, stop), raw, truncated);
  }

  private resetPending(): void {
    this.parts = [];
    this.keptBytes = 0;
    this.rawBytes = 0;
  }
}
