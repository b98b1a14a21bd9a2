import { describe, expect, it } from 'vitest';
import { parseSse, SseParser } from './sse.js';

describe('cli sse - parser', () => {
  it('frames end at a blank line; comments (keep-alives) are skipped; ids are kept', () => {
    const text = ': keep-alive\n\nid: 41\nevent: host\ndata: {"seq":41}\n\n: keep-alive\n\nid: 42\nevent: incident\ndata: {"seq":42}\n\n';
    expect(parseSse(text)).toEqual([
      { id: '41', event: 'host', data: '{"seq":41}' },
      { id: '42', event: 'incident', data: '{"seq":42}' },
    ]);
  });

  it('data lines join with newlines, CRLF works, no event name is "message", the id carries over', () => {
    expect(parseSse('id: 7\r\ndata: a\r\ndata:b\r\n\r\ndata: c\r\n\r\n')).toEqual([
      { id: '7', event: 'message', data: 'a\nb' },
      { id: '7', event: 'message', data: 'c' },
    ]);
  });

  it('a frame with an event but no data is dropped, and its event name does not leak into the next', () => {
    const p = new SseParser();
    for (const l of ['event: reset', '']) expect(p.line(l)).toBeUndefined();
    p.line('data: x');
    expect(p.line('')).toEqual({ id: undefined, event: 'message', data: 'x' });
  });

  it('an unfinished frame is not emitted', () => {
    expect(parseSse('event: host\ndata: {"seq":1}')).toEqual([]);
  });
});
