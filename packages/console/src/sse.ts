/**
 * Server-Sent Events over fetch(): EventSource cannot send an Authorization header, and
 * the token must never travel in a URL. The parser is pure (text in, frames out) so it is
 * tested without a network; `openEventStream` does the reading and the reconnecting.
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

export type StreamStatus = { kind: 'open' } | { kind: 'retrying'; reason: string; inMs: number } | { kind: 'unsupported' } | { kind: 'unauthorized' };

export interface EventStreamOptions {
  url: string;
  token: string;
  onFrame: (frame: SseFrame) => void;
  onStatus: (status: StreamStatus) => void;
  /** @default fetch */
  fetchImpl?: typeof fetch;
  /** @default 1000, doubling to 15000 */
  retryMs?: number;
}

/**
 * Reads the stream until `close()`; on a drop it reconnects with the last id it saw
 * (Last-Event-ID), so the server replays what was missed. A 404 or 503 means this
 * coordinator has no event stream: the caller falls back to polling.
 */
export function openEventStream(opts: EventStreamOptions): { close(): void } {
  const fetchImpl = opts.fetchImpl ?? fetch.bind(globalThis);
  const parser = new SseParser();
  let closed = false;
  let controller: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let delay = opts.retryMs ?? 1000;

  const retry = (reason: string) => {
    if (closed) return;
    opts.onStatus({ kind: 'retrying', reason, inMs: delay });
    timer = setTimeout(run, delay);
    delay = Math.min(delay * 2, 15_000);
  };

  async function run(): Promise<void> {
    controller = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${opts.token}`, accept: 'text/event-stream' };
    if (parser.lastEventId !== null) headers['last-event-id'] = parser.lastEventId;
    let res: Response;
    try {
      res = await fetchImpl(opts.url, { headers, signal: controller.signal, cache: 'no-store' });
    } catch (err) {
      return retry(String(err));
    }
    // 404: a coordinator from before the stream; 503: one with the stream turned off.
    if (res.status === 404 || res.status === 503) return opts.onStatus({ kind: 'unsupported' });
    if (res.status === 401) return opts.onStatus({ kind: 'unauthorized' });
    if (!res.ok || !res.body) return retry(`HTTP ${res.status}`);
    opts.onStatus({ kind: 'open' });
    delay = opts.retryMs ?? 1000;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const frame of parser.push(value)) opts.onFrame(frame);
      }
      retry('the stream ended');
    } catch (err) {
      retry(String(err));
    }
  }

  void run();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      controller?.abort();
    },
  };
}
