import { StringDecoder } from 'node:string_decoder';
import type { LogLine } from './manager.js';

/**
 * Turns a byte stream into lines. A line longer than `maxLineLength` is cut, so a service
 * that prints megabytes without a newline cannot grow the agent's memory.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private truncated = false;

  /** @param maxLineLength longest line kept, in UTF-16 code units of the decoded text (about bytes for log text). @default 4096 */
  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLineLength = 4096,
  ) {}

  write(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.append(text.slice(start, nl));
      this.flushLine();
      start = nl + 1;
    }
    this.append(text.slice(start));
  }

  /** Emits what is left without a final newline (at stream end). */
  end(): void {
    this.append(this.decoder.end());
    if (this.pending.length > 0 || this.truncated) this.flushLine();
  }

  private append(part: string): void {
    if (this.truncated) return;
    const room = this.maxLineLength - this.pending.length;
    if (part.length > room) {
      this.pending += part.slice(0, room);
      this.truncated = true;
    } else {
      this.pending += part;
    }
  }

  private flushLine(): void {
    const line = this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending;
    this.emit(this.truncated ? `${line}…` : line);
    this.pending = '';
    this.truncated = false;
  }
}

/** The last `capacity` log lines, oldest first; older lines are dropped. */
export class LineRing {
  private readonly items: (LogLine | undefined)[];
  private next = 0;
  private size = 0;

  /** @param capacity lines kept. @default 1000 */
  constructor(readonly capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer (got ${capacity})`);
    this.items = new Array<LogLine | undefined>(capacity);
  }

  push(line: LogLine): void {
    this.items[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Lines at or after `sinceMs`, oldest first. */
  since(sinceMs: number): LogLine[] {
    return this.toArray().filter((l) => l.at >= sinceMs);
  }

  toArray(): LogLine[] {
    const out: LogLine[] = [];
    const first = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) out.push(this.items[(first + i) % this.capacity]!);
    return out;
  }

  get length(): number {
    return this.size;
  }
}
