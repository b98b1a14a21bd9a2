/**
 * Server-Sent Events over fetch(): EventSource cannot send an Authorization header, and
 * the token must never travel in a URL. The parser is the one the CLI uses too
 * (`@vigil/shared/sse`); `openEventStream` does the reading and the reconnecting.
 */
import { SseParser, type SseFrame } from '@vigil/shared/sse';

export { SseParser, type SseFrame };

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
