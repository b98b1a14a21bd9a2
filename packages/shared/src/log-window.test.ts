import { describe, expect, it } from 'vitest';
import { LogWindow } from './log-window.js';

describe('log window', () => {
  it('passes the first of each key per window and reports how many were held with the next', () => {
    const w = new LogWindow<string>(10_000);
    expect(w.pass('a', 0)).toBe(0);
    expect(w.pass('a', 5000)).toBeUndefined();
    expect(w.pass('a', 9999)).toBeUndefined();
    expect(w.pass('b', 9999)).toBe(0);
    expect(w.pass('a', 10_000)).toBe(2);
    expect(w.pass('a', 10_001)).toBeUndefined();
  });

  it('remembers at most maxKeys: ended windows go first, then the oldest', () => {
    const w = new LogWindow<number>(1000, 2);
    w.pass(1, 0);
    w.pass(2, 500);
    w.pass(1, 600);
    // 3 makes room: 1 and 2 are in their windows, so the oldest (1) goes and its count with it.
    expect(w.pass(3, 700)).toBe(0);
    expect(w.pass(1, 800)).toBe(0);
    expect(w.pass(2, 900)).toBe(0);
  });
});
