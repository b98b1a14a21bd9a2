/**
 * The text/event-stream parser (WHATWG HTML, "event stream interpretation") that every
 * reader of `GET /v1/events` uses: the CLI's `vigil watch` in Node and the web console in
 * a browser. Pure (text in, frames out) and free of Node APIs, so both can import it
 * (`@vigil/shared/sse`) and it is tested on captured text.
 */
export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

/** Incremental parser of the text/event-stream format (WHATWG HTML, "event stream interpretation"). */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;
  /** The last id seen, kept across frames: what a reconnect sends as Last-Event-ID. */
  lastEventId: string | null = null;

  push(chunk: string): SseFrame[] {
    this.buffer += chunk;
    const frames: SseFrame[] = [];
    let start = 0;
    for (;;) {
      const nl = this.nextLineEnd(start);
      if (nl < 0) break;
      const line = this.buffer.slice(start, nl);
      start = nl + (this.buffer[nl] === '\r' && this.buffer[nl + 1] === '\n' ? 2 : 1);
      const frame = this.line(line);
      if (frame) frames.push(frame);
    }
    this.buffer = this.buffer.slice(start);
    return frames;
  }

  private nextLineEnd(from: number): number {
    for (let i = from; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c === '\n') return i;
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (c === '\r') return i + 1 < this.buffer.length ? i : -1;
    }
    return -1;
  }

  private line(line: string): SseFrame | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      default:
        break; // retry and unknown fields: the reconnect delay is ours to choose
    }
    return null;
  }

  private dispatch(): SseFrame | null {
    if (this.id !== null) this.lastEventId = this.id;
    const hadData = this.data.length > 0;
    const frame: SseFrame = { id: this.id, event: this.event || 'message', data: this.data.join('\n') };
    this.data = [];
    this.event = '';
    this.id = null;
    return hadData ? frame : null;
  }
}

/** Every frame of a complete event-stream text. */
export function parseSse(text: string): SseFrame[] {
  return new SseParser().push(text.endsWith('\n') ? text : `${text}\n`);
}
