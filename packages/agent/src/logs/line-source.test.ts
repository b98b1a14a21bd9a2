import { FakeClock } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { LineSource } from './line-source.js';
import { TokenBucket } from './token-bucket.js';

const lines = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);

describe('token bucket - refill on the clock', () => {
  it('gives out its capacity, then tokens at the rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(100, 100, clock);
    expect(bucket.takeUpTo(250)).toBe(100);
    expect(bucket.tryTake(1)).toBe(false);
    clock.advance(100);
    expect(bucket.available()).toBe(10);
    expect(bucket.tryTake(11)).toBe(false);
    expect(bucket.tryTake(10)).toBe(true);
    clock.advance(60_000);
    expect(bucket.available()).toBe(100); // never more than the capacity
  });
});

describe('line source - budget per source', () => {
  it('scans at most maxLinesPerSecond and counts the rest as skipped', () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const src = new LineSource('app.log', (l) => seen.push(l), { maxLinesPerSecond: 100 }, clock);
    src.pushLines(lines(1000));
    expect(seen).toHaveLength(100);
    expect(seen[0]).toBe('line 0');
    clock.advance(500);
    src.pushLines(lines(1000));
    expect(seen).toHaveLength(150);
    const c = src.counters();
    expect(c).toMatchObject({ linesScanned: 150, skippedLines: 1850 });
    // Every byte is either scanned or skipped.
    const total = [...lines(1000), ...lines(1000)].reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    expect(c.bytesScanned + c.skippedBytes).toBe(total);
  });

  it('also bounds bytes scanned per second', async () => {
    const clock = new FakeClock();
    let scanned = 0;
    const src = new LineSource('app.log', () => scanned++, { maxLinesPerSecond: 1_000_000, maxBytesPerSecond: 10_000, maxLineBytes: 1000 }, clock);
    const chunk = Buffer.from(`${'x'.repeat(99)}\n`.repeat(1000)); // 100 bytes a line
    src.data(chunk);
    await src.idle();
    expect(scanned).toBe(100);
    expect(src.counters()).toMatchObject({ bytesScanned: 10_000, skippedLines: 900, skippedBytes: 90_000 });
  });

  it('charges a huge line only what is scanned of it, and counts the cut', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const src = new LineSource('app.log', (l) => seen.push(l), { maxBytesPerSecond: 20_000, maxLineBytes: 8192 }, clock);
    src.data(Buffer.from(`${'y'.repeat(1_000_000)}\nshort\n`));
    await src.idle();
    expect(seen.map((l) => l.length)).toEqual([8192, 5]);
    expect(src.counters()).toMatchObject({ linesScanned: 2, truncatedLines: 1, bytesScanned: 1_000_007 });
  });

  it('counts bytes jumped over by the reader as skipped', () => {
    const src = new LineSource('app.log', () => undefined, {}, new FakeClock());
    src.data(Buffer.from('ok\npartial'));
    src.reset({ type: 'skipped', bytes: 5000, midLine: true });
    src.data(Buffer.from('tail of a line\nnext\n'));
    expect(src.counters()).toMatchObject({ linesScanned: 2, bytesScanned: 3 + 5, skippedBytes: 7 + 5000 + 15 });
  });
});

describe('line source - large input', () => {
  it('handles a large batch one slice per turn of the event loop, in order', async () => {
    const seen: string[] = [];
    const src = new LineSource('stdout', (l) => seen.push(l), { maxLinesPerSecond: 1_000_000 }, new FakeClock());
    src.pushLines(lines(10_000));
    src.data(Buffer.from('tail 1\ntail'));
    src.end();
    expect(seen).toEqual([]); // nothing yet: the batch waits for the event loop
    await new Promise((r) => setImmediate(r));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(10_000);
    await src.idle();
    expect(seen).toHaveLength(10_002);
    expect(seen.slice(-3)).toEqual(['line 9999', 'tail 1', 'tail']);
  });

  it('keeps going when the handler throws on a line', () => {
    const seen: string[] = [];
    const src = new LineSource('stdout', (l) => {
      if (l === 'bad') throw new Error('boom');
      seen.push(l);
    }, {}, new FakeClock());
    src.pushLines(['a', 'bad', 'b']);
    expect(seen).toEqual(['a', 'b']);
    expect(src.counters().handlerErrors).toBe(1);
  });
});
