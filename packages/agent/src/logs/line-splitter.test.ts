import { describe, expect, it } from 'vitest';
import { LineSplitter, type LineSink } from './line-splitter.js';

function collector(admit: (raw: number) => boolean = () => true) {
  const lines: { text: string; raw: number; truncated: boolean }[] = [];
  let discarded = 0;
  const sink: LineSink = {
    admit,
    line: (text, raw, truncated) => lines.push({ text, raw, truncated }),
    discarded: (raw) => (discarded += raw),
  };
  return { sink, lines, texts: () => lines.map((l) => l.text), discarded: () => discarded };
}

const b = (s: string) => Buffer.from(s, 'utf8');

describe('line splitter - lines across reads', () => {
  it('joins a line split over several pushes', () => {
    const s = new LineSplitter();
    const c = collector();
    s.push(b('first\nsec'), c.sink);
    expect(c.texts()).toEqual(['first']);
    expect(s.pendingBytes).toBe(3);
    s.push(b('ond'), c.sink);
    s.push(b(' line\nthird\n'), c.sink);
    expect(c.texts()).toEqual(['first', 'second line', 'third']);
    expect(c.lines.map((l) => l.raw)).toEqual([6, 12, 6]);
    expect(s.pendingBytes).toBe(0);
  });

  it('keeps a multi-byte character split between pushes whole', () => {
    const s = new LineSplitter();
    const c = collector();
    const euro = b('€'); // e2 82 ac
    s.push(Buffer.concat([b('price: 5'), euro.subarray(0, 1)]), c.sink);
    s.push(Buffer.concat([euro.subarray(1), b('\n')]), c.sink);
    expect(c.texts()).toEqual(['price: 5€']);
  });

  it('strips a CR before the newline and keeps empty lines', () => {
    const s = new LineSplitter();
    const c = collector();
    s.push(b('dos\r\n\nunix\n'), c.sink);
    expect(c.texts()).toEqual(['dos', '', 'unix']);
  });

  it('flushes an unterminated last line as a line', () => {
    const s = new LineSplitter();
    const c = collector();
    s.push(b('done\nno newline'), c.sink);
    s.flush(c.sink);
    expect(c.texts()).toEqual(['done', 'no newline']);
    s.flush(c.sink);
    expect(c.texts()).toHaveLength(2);
  });
});

describe('line splitter - bounds', () => {
  it('cuts a long line to maxLineBytes, counting the whole line as consumed', () => {
    const s = new LineSplitter({ maxLineBytes: 16 });
    const c = collector();
    s.push(b(`${'x'.repeat(40)}\nok\n`), c.sink);
    expect(c.lines).toEqual([
      { text: 'x'.repeat(16), raw: 41, truncated: true },
      { text: 'ok', raw: 3, truncated: false },
    ]);
    expect(s.truncatedLines).toBe(1);
  });

  it('keeps at most maxLineBytes of a line spread over many pushes, cut on a character', () => {
    const s = new LineSplitter({ maxLineBytes: 16 });
    const c = collector();
    for (let i = 0; i < 1000; i++) s.push(b('€€€€'), c.sink); // 12 bytes each, never a newline
    expect(s.pendingBytes).toBe(12_000);
    s.push(b('\n'), c.sink);
    expect(c.lines).toEqual([{ text: '€€€€€', raw: 12_001, truncated: true }]); // 15 of 16 bytes: the 6th € does not fit
  });

  it('does not decode a line the sink refuses', () => {
    const s = new LineSplitter();
    let n = 0;
    const c = collector(() => n++ % 2 === 0);
    s.push(b('a\nb\nc\nd\n'), c.sink);
    expect(c.texts()).toEqual(['a', 'c']);
  });

  it('after a resync drops the partial line and the tail of the line it landed in', () => {
    const s = new LineSplitter();
    const c = collector();
    s.push(b('whole\nhalf of a li'), c.sink);
    s.resync(c.sink, true);
    s.push(b('ne tail\nnext\n'), c.sink);
    expect(c.texts()).toEqual(['whole', 'next']);
    expect(c.discarded()).toBe('half of a li'.length + 'ne tail\n'.length);
  });

  it('after a resync on a line boundary keeps the next line', () => {
    const s = new LineSplitter();
    const c = collector();
    s.push(b('partial'), c.sink);
    s.resync(c.sink, false);
    s.push(b('fresh\n'), c.sink);
    expect(c.texts()).toEqual(['fresh']);
    expect(c.discarded()).toBe(7);
  });
});
