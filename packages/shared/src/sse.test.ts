import { describe, expect, it } from 'vitest';
import { parseSse, SseParser } from './sse.js';

describe('sse - parser (the CLI and the console)', () => {
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

describe('sse - whole texts', () => {
  it('frames end at a blank line; comments (keep-alives) are skipped; each frame has its own id', () => {
    const text = ': keep-alive\n\nid: 41\nevent: host\ndata: {"seq":41}\n\n: keep-alive\n\nid: 42\nevent: incident\ndata: {"seq":42}\n\n';
    expect(parseSse(text)).toEqual([
      { id: '41', event: 'host', data: '{"seq":41}' },
      { id: '42', event: 'incident', data: '{"seq":42}' },
    ]);
  });

  it('data lines join with newlines, CRLF works, no event name is "message"; the last id is kept for a reconnect', () => {
    const p = new SseParser();
    expect(p.push('id: 7\r\ndata: a\r\ndata:b\r\n\r\ndata: c\r\n\r\n')).toEqual([
      { id: '7', event: 'message', data: 'a\nb' },
      { id: null, event: 'message', data: 'c' },
    ]);
    expect(p.lastEventId).toBe('7');
  });

  it('a frame with an event but no data is dropped, and its event name does not leak into the next', () => {
    const p = new SseParser();
    expect(p.push('event: reset\n\n')).toEqual([]);
    expect(p.push('data: x\n\n')).toEqual([{ id: null, event: 'message', data: 'x' }]);
  });

  it('an unfinished frame is not emitted', () => {
    expect(parseSse('event: host\ndata: {"seq":1}')).toEqual([]);
  });
});
