import { describe, expect, it } from 'vitest';
import { LineRing, LineSplitter } from './lines.js';

describe('line capture', () => {
  it('LineSplitter - joins chunks, splits lines, strips CR, flushes the tail at end', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    s.write(Buffer.from('hel'));
    s.write(Buffer.from('lo\r\nwor'));
    s.write(Buffer.from('ld\n\nlast'));
    expect(out).toEqual(['hello', 'world', '']);
    s.end();
    expect(out).toEqual(['hello', 'world', '', 'last']);
  });

  it('LineSplitter - does not split a UTF-8 character across chunks', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    const bytes = Buffer.from('é\n');
    s.write(bytes.subarray(0, 1));
    s.write(bytes.subarray(1));
    expect(out).toEqual(['é']);
  });

  it('LineSplitter - cuts an endless line at the cap and marks it', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l), 8);
    s.write('0123456789abcdef');
    s.write('ghij\nnext\n');
    expect(out).toEqual(['01234567…', 'next']);
  });

  it('LineRing - keeps the last N lines in order and filters by time', () => {
    const ring = new LineRing(3);
    for (let i = 1; i <= 5; i++) ring.push({ at: i * 10, stream: 'stdout', text: `l${i}` });
    expect(ring.length).toBe(3);
    expect(ring.toArray().map((l) => l.text)).toEqual(['l3', 'l4', 'l5']);
    expect(ring.since(40).map((l) => l.text)).toEqual(['l4', 'l5']);
    expect(() => new LineRing(0)).toThrow(/positive/);
  });
});
