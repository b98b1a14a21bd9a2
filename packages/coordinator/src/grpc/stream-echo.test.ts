import { describe, expect, it } from 'vitest';
import { ECHO_SCHEDULE, StreamEcho } from './stream-echo.js';

const FIRST = ECHO_SCHEDULE.firstAfterMs;

describe("StreamEcho - one stream's Echoes", () => {
  it('the first is due a while after the Welcome, each later one twice as long after the one before, and no more than the cap', () => {
    let n = 0;
    const e = new StreamEcho(1_000, FIRST, () => ++n);
    expect(e.due(1_000 + FIRST - 1)).toBe(false);
    expect(e.due(1_000 + FIRST)).toBe(true);
    const sentAt: number[] = [];
    let t = 1_000 + FIRST;
    for (let i = 0; i < ECHO_SCHEDULE.maxPerStream; i++) {
      while (!e.due(t)) t += 100;
      sentAt.push(t);
      e.send(t);
    }
    expect(sentAt.slice(1).map((at, i) => at - sentAt[i]!)).toEqual([2 * FIRST, 4 * FIRST].slice(0, ECHO_SCHEDULE.maxPerStream - 1));
    expect(e.due(t + 1_000 * FIRST)).toBe(false);
  });

  it("only the reply to the Echo out is a measure: another nonce, a second reply, or one before any Echo is not", () => {
    const nonces = [7, 9];
    const e = new StreamEcho(0, FIRST, () => nonces.shift()!);
    expect(e.answered(7, FIRST)).toBeUndefined();
    expect(e.send(FIRST)).toBe(7);
    expect(e.kind).toBe('waiting');
    expect(e.answered(8, FIRST + 3)).toBeUndefined();
    expect(e.answered(7, FIRST + 12)).toBe(12);
    expect(e.kind).toBe('idle');
    expect(e.answered(7, FIRST + 20)).toBeUndefined();
  });

  it('an unanswered Echo is replaced by the next: its late reply measures nothing', () => {
    const nonces = [7, 9];
    const e = new StreamEcho(0, FIRST, () => nonces.shift()!);
    e.send(FIRST);
    e.send(3 * FIRST);
    expect(e.answered(7, 3 * FIRST + 5)).toBeUndefined();
    expect(e.answered(9, 3 * FIRST + 5)).toBe(5);
  });

  it('nonces are never 0 and fit a uint32', () => {
    const e = new StreamEcho(0);
    for (let i = 0; i < 200; i++) {
      const nonce = e.send(i);
      expect(nonce).toBeGreaterThanOrEqual(1);
      expect(nonce).toBeLessThanOrEqual(0xffff_ffff);
    }
  });
});
