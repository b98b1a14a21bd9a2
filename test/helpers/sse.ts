import { request, type IncomingMessage } from 'node:http';

/** One Server-Sent Events frame as a client parses it; `comment` for `: ...` lines. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/**
 * A client of `GET /v1/events` on node:http: parses frames as they arrive and keeps them.
 * Close it when done; it never reconnects by itself (a test reconnects with `lastEventId`).
 */
export class SseClient {
  readonly frames: SseFrame[] = [];
  status = 0;
  closed = false;
  private buf = '';
  private res: IncomingMessage | undefined;
  private readonly req;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      this.res = res;
      this.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.take(chunk));
      res.on('close', () => (this.closed = true));
    });
    this.req.on('error', () => (this.closed = true));
    this.req.end();
  }

  private take(chunk: string): void {
    this.buf += chunk;
    let i: number;
    while ((i = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      const f: SseFrame = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          f.comment = line.slice(1).trim();
          continue;
        }
        const c = line.indexOf(':');
        const k = line.slice(0, c);
        if (k === 'id' || k === 'event' || k === 'data') f[k] = line.slice(c + 1).trimStart();
      }
      this.frames.push(f);
    }
  }

  /** The `data` of frames with an id, parsed. */
  events<T = { seq: number; subject: string; at: number; payload: Record<string, unknown> }>(): (T & { id: number; event: string })[] {
    return this.frames.filter((f) => f.id !== undefined).map((f) => ({ ...(JSON.parse(f.data!) as T), id: Number(f.id), event: f.event ?? 'message' }));
  }

  ids(): number[] {
    return this.frames.filter((f) => f.id !== undefined).map((f) => Number(f.id));
  }

  close(): void {
    this.res?.destroy();
    this.req.destroy();
  }
}
