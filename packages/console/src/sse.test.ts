import { describe, expect, it } from 'vitest';
import { openEventStream, type SseFrame, type StreamStatus } from './sse.js';

describe('console sse - stream', () => {
  const body = (chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const x of chunks) c.enqueue(new TextEncoder().encode(x));
        c.close();
      },
    });

  it('sse - sends the token in a header, reconnects with Last-Event-ID after a drop, stops on a 404', async () => {
    const calls: { url: string; headers: Record<string, string> }[] = [];
    const answers = [
      () => new Response(body(['id: 5\nevent: host\ndata: {}\n\nid: 6\nevent: host\ndata: {}\n\n']), { status: 200 }),
      () => new Response('', { status: 404 }),
    ];
    const frames: SseFrame[] = [];
    const statuses: StreamStatus['kind'][] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push({ url, headers: init.headers as Record<string, string> });
      return answers.shift()!();
    }) as unknown as typeof fetch;
    const s = openEventStream({
      url: '/v1/events',
      token: 'sekret',
      fetchImpl,
      retryMs: 1,
      onFrame: (f) => frames.push(f),
      onStatus: (st) => {
        statuses.push(st.kind);
        if (st.kind === 'unsupported') done();
      },
    });
    await finished;
    s.close();
    expect(frames.map((f) => f.id)).toEqual(['5', '6']);
    expect(statuses).toEqual(['open', 'retrying', 'unsupported']);
    expect(calls[0]!.url).toBe('/v1/events');
    expect(calls[0]!.headers.authorization).toBe('Bearer sekret');
    expect(calls[0]!.headers['last-event-id']).toBeUndefined();
    expect(calls[1]!.headers['last-event-id']).toBe('6');
    expect(calls.every((c) => !c.url.includes('sekret'))).toBe(true);
  });
});
