import { describe, expect, it } from 'vitest';
import { cutUtf8, truncateUtf8, utf8Boundary } from './utf8.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('utf8 - cutting', () => {
  it('never cuts inside a character', () => {
    const buf = Buffer.from('a€😀', 'utf8'); // 1 + 3 + 4 bytes
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((end) => utf8Boundary(buf, end))).toEqual([0, 1, 1, 1, 4, 4, 4, 4, 8]);
  });

  it('leaves short text alone', () => {
    expect(truncateUtf8('short', 512)).toBe('short');
    expect(truncateUtf8('€'.repeat(170), 512)).toBe('€'.repeat(170)); // 510 bytes
  });

  it.each([
    ['ascii', 'x'.repeat(2000)],
    ['3-byte characters', '€'.repeat(600)],
    ['4-byte characters', '😀'.repeat(300)],
    ['mixed, misaligned', 'ab' + '😀€ü'.repeat(200)],
  ])('caps %s at 512 bytes with a marker', (_name, text) => {
    const cut = truncateUtf8(text, 512);
    expect(bytes(cut)).toBeLessThanOrEqual(512);
    expect(bytes(cut)).toBeGreaterThan(512 - 3 - 4); // no more lost than the marker and one character
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    expect(text.startsWith(cut.slice(0, -1))).toBe(true);
  });

  it('cuts without a marker for line limits', () => {
    expect(cutUtf8('😀😀😀', 9)).toEqual({ text: '😀😀', cut: true });
    expect(cutUtf8('abc', 9)).toEqual({ text: 'abc', cut: false });
  });
});
