import { describe, expect, it } from 'vitest';
import { openEventStream, SseParser, type SseFrame, type StreamStatus } from './sse.js';

describe('console sse - parser', () => {
  it('sse - frames split anywhere across chunks come out whole, comments are skipped', () => {
    const text = ': keep-alive\n\nid: 7\nevent: host\ndata: {"seq":7}\n\nid: 8\nevent: incident\ndata: line one\ndata: line two\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const frames = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(frames).toEqual([
        { id: '7', event: 'host', data: '{"seq":7}' },
        { id: '8', event: 'incident', data: 'line one\nline two' },
      ]);
      expect(p.lastEventId).toBe('8');
    }
  });

  it('sse - CRLF and CR line ends, no space after the colon, a frame without event is "message"', () => {
    const p = new SseParser();
    expect(p.push('data:a\r\n\r\ndata: b\r\rid: 3\ndata: c\n')).toEqual([
      { id: null, event: 'message', data: 'a' },
      { id: null, event: 'message', data: 'b' },
    ]);
    expect(p.push('\n')).toEqual([{ id: '3', event: 'message', data: 'c' }]);
  });

  it('sse - a lone CR at the end of a chunk waits for the next one (it may be half of CRLF)', () => {
    const p = new SseParser();
    expect(p.push('data: x\r')).toEqual([]);
    expect(p.push('\n\r\n')).toEqual([{ id: null, event: 'message', data: 'x' }]);
  });

  it('sse - a reset frame keeps the last id; an id-only frame updates it without a dispatch', () => {
    const p = new SseParser();
    expect(p.push('id: 41\n\n')).toEqual([]);
    expect(p.lastEventId).toBe('41');
    expect(p.push('event: reset\ndata: {"reason":"gap","oldest":50}\n\n')).toEqual([{ id: null, event: 'reset', data: '{"reason":"gap","oldest":50}' }]);
    expect(p.lastEventId).toBe('41');
  });
});

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
