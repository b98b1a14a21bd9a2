import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDb, type Db } from '../store/db.js';
import { OutboxStore } from '../store/outbox-store.js';
import { EventFeed, type FeedEnd, type FeedSink } from './event-feed.js';

/** A sink whose peer reads only when told to: `buffered` grows with each write until `read()`. */
class TestSink implements FeedSink {
  frames: string[] = [];
  buffered = 0;
  ended = false;
  private drained: (() => void)[] = [];
  constructor(private readonly highWater = Infinity) {}
  write(chunk: string): boolean {
    this.frames.push(chunk);
    this.buffered += chunk.length;
    return this.buffered < this.highWater;
  }
  onceDrained(cb: () => void): void {
    this.drained.push(cb);
  }
  end(): void {
    this.ended = true;
  }
  /** The peer reads everything. */
  read(): void {
    this.buffered = 0;
    const cbs = this.drained.splice(0);
    for (const cb of cbs) cb();
  }
  seqs(): number[] {
    return this.frames.filter((f) => f.startsWith('id: ')).map((f) => Number(/^id: (\d+)/.exec(f)![1]));
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

let dir: string;
let db: Db;
let outbox: OutboxStore;
let feed: EventFeed;
let n = 0;
const add = (subject = 'vigil.v1.host.silent.web-1', pad = 0) => {
  n += 1;
  outbox.add(`e${n}`, subject, JSON.stringify(pad ? { id: `e${n}`, n, pad: 'x'.repeat(pad) } : { id: `e${n}`, n }), 1_000 + n);
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-event-feed-'));
  db = openDb(dir);
  outbox = new OutboxStore(db);
  n = 0;
});
afterEach(() => {
  feed?.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('event feed', () => {
  it('event feed - a client without a resume point gets only rows stored after it came, as SSE frames', async () => {
    feed = new EventFeed(outbox);
    add();
    const sink = new TestSink();
    feed.subscribe(sink);
    add('vigil.v1.incident.opened.web-1');
    await tick();
    expect(sink.frames).toEqual([
      `id: 2\nevent: incident\ndata: {"seq":2,"subject":"vigil.v1.incident.opened.web-1","at":1002,"payload":{"id":"e2","n":2}}\n\n`,
    ]);
    expect(JSON.parse(sink.frames[0]!.split('data: ')[1]!)).toEqual({ seq: 2, subject: 'vigil.v1.incident.opened.web-1', at: 1002, payload: { id: 'e2', n: 2 } });
  });

  it('event feed - tells clients only after the transaction commits, never of a rolled-back row', async () => {
    feed = new EventFeed(outbox);
    const sink = new TestSink();
    feed.subscribe(sink);
    const inTx = db.transaction((fail: boolean) => {
      add();
      // Still inside the transaction: nothing may have been sent yet.
      expect(sink.frames).toEqual([]);
      if (fail) throw new Error('rolled back');
    });
    expect(() => inTx(true)).toThrow('rolled back');
    await tick();
    expect(sink.frames).toEqual([]);
    inTx(false);
    await tick();
    // The rolled-back insert gave its seq back: the committed row takes it.
    expect(sink.seqs()).toEqual([1]);
    expect(sink.frames[0]).toContain('"payload":{"id":"e2","n":2}');
  });

  it('event feed - a resumed client reads the backlog as its socket drains, then goes live without gap or duplicate', async () => {
    feed = new EventFeed(outbox, { pageSize: 10 });
    for (let i = 0; i < 95; i++) add();
    // Room for about three frames before the socket reports full.
    const sink = new TestSink(300);
    feed.subscribe(sink, { after: 20 });
    // Writing stopped at the first frame the socket refused: nothing more is queued for it.
    expect(sink.seqs()).toEqual([21, 22, 23]);
    // Rows stored while it is behind wait in the store.
    for (let i = 0; i < 5; i++) add();
    await tick();
    expect(sink.seqs()).toHaveLength(3);
    for (let i = 0; i < 100 && !sink.seqs().includes(100); i++) sink.read();
    for (let i = 0; i < 3; i++) add();
    await tick();
    for (let i = 0; i < 5; i++) sink.read();
    await tick();
    const want = Array.from({ length: 103 - 20 }, (_, i) => 21 + i);
    expect(sink.seqs()).toEqual(want);
  });

  it('event feed - resuming from a pruned seq starts with a reset naming the oldest retained event', async () => {
    feed = new EventFeed(outbox);
    for (let i = 0; i < 10; i++) add();
    outbox.markPublishedThrough(6, 5_000);
    outbox.prune(6_000);
    expect(outbox.bounds()).toEqual({ oldest: 7, latest: 10 });
    const sink = new TestSink();
    feed.subscribe(sink, { after: 3 });
    expect(sink.frames[0]).toBe('event: reset\ndata: {"reason":"gap","oldest":7}\n\n');
    expect(sink.seqs()).toEqual([7, 8, 9, 10]);
    // Just before the oldest is no gap.
    const exact = new TestSink();
    feed.subscribe(exact, { after: 6 });
    expect(exact.frames.some((f) => f.startsWith('event: reset'))).toBe(false);
    expect(exact.seqs()).toEqual([7, 8, 9, 10]);
  });

  it('event feed - every row pruned: the store still knows the last seq, a stale client gets a reset to the next one', async () => {
    const unpublished = new OutboxStore(db, { publishes: false });
    outbox = unpublished;
    feed = new EventFeed(outbox);
    for (let i = 0; i < 3; i++) add();
    // Without a publisher rows are stored as published: nothing waits, all are prunable.
    expect(outbox.depth()).toBe(0);
    expect(outbox.prune(10_000)).toBe(3);
    expect(outbox.bounds()).toEqual({ oldest: null, latest: 3 });
    const sink = new TestSink();
    feed.subscribe(sink, { after: 1 });
    expect(sink.frames).toEqual(['event: reset\ndata: {"reason":"gap","oldest":4}\n\n']);
    add();
    await tick();
    expect(sink.seqs()).toEqual([4]);
    // A client that had seen everything resumes without a reset.
    const current = new TestSink();
    feed.subscribe(current, { after: 4 });
    expect(current.frames).toEqual([]);
  });

  it('event feed - an id this store never gave (a store rebuilt) resets to everything retained', async () => {
    feed = new EventFeed(outbox);
    add();
    add();
    const sink = new TestSink();
    feed.subscribe(sink, { after: 500 });
    expect(sink.frames[0]).toBe('event: reset\ndata: {"reason":"ahead","oldest":1}\n\n');
    expect(sink.seqs()).toEqual([1, 2]);
  });

  it('event feed - a client whose socket stays full is dropped after the stall time; the others keep getting every event', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      feed = new EventFeed(outbox, { stallMs: 5_000 });
      const slow = new TestSink(1_000);
      const fast = new TestSink(1_000);
      const ends: FeedEnd[] = [];
      feed.subscribe(slow, { ended: (why) => ends.push(why) });
      feed.subscribe(fast);
      for (let i = 0; i < 40; i++) {
        add();
        await Promise.resolve();
        fast.read();
      }
      // Nothing is queued for the slow one past its socket's high-water mark and one frame.
      expect(slow.buffered).toBeLessThan(1_000 + 200);
      vi.advanceTimersByTime(4_999);
      expect(slow.ended).toBe(false);
      vi.advanceTimersByTime(1);
      expect(slow.ended).toBe(true);
      expect(ends).toEqual(['slow']);
      expect(fast.ended).toBe(false);
      expect(fast.seqs()).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(feed.size).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('event feed - a client past the hard byte bound is dropped at once', () => {
    feed = new EventFeed(outbox, { maxBufferedBytes: 500 });
    for (let i = 0; i < 3; i++) add('vigil.v1.host.online.a', 400);
    const sink = new TestSink(100);
    const ends: FeedEnd[] = [];
    feed.subscribe(sink, { after: 0, ended: (why) => ends.push(why) });
    expect(ends).toEqual(['slow']);
    expect(sink.seqs()).toEqual([1]);
  });

  it('event feed - subject prefixes filter frames and ids still advance past the others', async () => {
    feed = new EventFeed(outbox);
    const sink = new TestSink();
    feed.subscribe(sink, { subjects: ['vigil.v1.incident.', 'vigil.v1.service.'] });
    add('vigil.v1.host.silent.a');
    add('vigil.v1.incident.opened.a');
    add('vigil.v1.service.recovery_succeeded.a');
    add('vigil.v1.prediction.disk_full.a');
    await tick();
    expect(sink.seqs()).toEqual([2, 3]);
    expect(sink.frames[1]).toContain('event: service\n');
  });

  it('event feed - sends a keep-alive comment on its interval and stops its timer with its last client', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      feed = new EventFeed(outbox, { keepAliveMs: 15_000 });
      const sink = new TestSink();
      const sub = feed.subscribe(sink);
      vi.advanceTimersByTime(14_999);
      expect(sink.frames).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(sink.frames).toEqual([': keep-alive\n\n']);
      vi.advanceTimersByTime(15_000);
      expect(sink.frames).toHaveLength(2);
      sub.close();
      expect(feed.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
