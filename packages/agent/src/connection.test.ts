import { FakeClock, type CoordinatorMessage, type Hello } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import type { CoordinatorTarget } from './config.js';
import { Connection, type ConnectionOptions, type Session } from './connection.js';
import { FakeDialer } from './test-support/fake-dialer.js';

const target = (port: number): CoordinatorTarget => ({ host: '127.0.0.1', port, address: `127.0.0.1:${port}` });
const A = target(7401);
const B = target(7402);
const refused = () => new Error('14 UNAVAILABLE: connect ECONNREFUSED');

function setup(overrides: Partial<ConnectionOptions> = {}) {
  const clock = new FakeClock();
  const dialer = new FakeDialer();
  const events: string[] = [];
  const sessions: Session[] = [];
  const messages: CoordinatorMessage[] = [];
  const conn = new Connection({
    targets: [A, B],
    dialer,
    clock,
    backoff: { baseMs: 200, capMs: 10_000, random: () => 0.999 },
    handler: {
      hello: (): Hello => ({ hostId: 'h1', intervalMs: 1000 }),
      welcomed: (s) => {
        sessions.push(s);
        events.push(`welcomed ${s.target.address}`);
      },
      message: (m) => messages.push(m),
      lost: (s, reason) => events.push(`lost ${s.target.address}: ${reason.message}`),
    },
    ...overrides,
  });
  return { clock, dialer, conn, events, sessions, messages };
}

/** Dial times (fake ms since start) until `count` streams exist, refusing each one. */
function refuseRepeatedly(t: ReturnType<typeof setup>, count: number): number[] {
  const start = t.clock.now();
  const times: number[] = [];
  while (t.dialer.streams.length < count) {
    times.push(t.clock.now() - start);
    t.dialer.last.close(refused());
    t.clock.advance(t.conn.state.type === 'waiting' ? t.conn.state.retryAtMs - t.clock.now() : 0);
  }
  times.push(t.clock.now() - start);
  return times;
}

describe('connection', () => {
  it('handshake - Hello goes first; Welcome hands over a session', () => {
    const t = setup();
    t.conn.start();
    expect(t.dialer.last.target).toBe(A);
    expect(t.dialer.last.written).toEqual([{ hello: { hostId: 'h1', intervalMs: 1000, attempt: 1 } }]);
    expect(t.conn.state).toMatchObject({ type: 'connecting', target: A.address });
    t.dialer.last.welcome(1000, 'coord-a');
    expect(t.events).toEqual(['welcomed 127.0.0.1:7401']);
    expect(t.conn.state).toMatchObject({ type: 'connected', target: A.address, coordinatorId: 'coord-a' });
    t.dialer.last.send({ body: 'ack', ack: { seq: 1 } });
    expect(t.messages).toEqual([{ body: 'ack', ack: { seq: 1 } }]);
  });

  it('attempts - every stream this process dials numbers its Hello one higher, healthy connections or not', () => {
    const t = setup({ healthyAfterMs: 10_000 });
    t.conn.start();
    refuseRepeatedly(t, 3);
    t.dialer.last.welcome();
    t.clock.advance(10_000);
    t.dialer.last.close(new Error('14 UNAVAILABLE: Connection dropped'));
    t.clock.advance(200);
    const attempts = t.dialer.streams.map((s) => (s.written[0] as { hello: { attempt: number } }).hello.attempt);
    expect(attempts).toEqual([1, 2, 3, 4]);
  });

  it('failover - a refused first target moves on to the second after a short backoff', () => {
    const t = setup();
    t.conn.start();
    t.dialer.last.close(refused());
    expect(t.conn.state).toMatchObject({ type: 'waiting', nextTarget: B.address, attempt: 1 });
    t.clock.advance(198);
    expect(t.dialer.streams).toHaveLength(1);
    t.clock.advance(1);
    expect(t.dialer.streams).toHaveLength(2);
    expect(t.dialer.last.target).toBe(B);
  });

  it('backoff - retries alternate targets with exponentially growing, capped delays', () => {
    const t = setup();
    t.conn.start();
    const times = refuseRepeatedly(t, 9);
    const gaps = times.slice(1).map((x, i) => x - times[i]!);
    // random() is 0.999, so each delay is just under its ceiling.
    expect(gaps).toEqual([200, 400, 800, 1600, 3200, 6400, 10_000, 10_000].map((ceiling) => Math.floor(0.999 * ceiling)));
    expect(t.dialer.streams.map((s) => s.target.port)).toEqual([7401, 7402, 7401, 7402, 7401, 7402, 7401, 7402, 7401]);
  });

  it('backoff - resets once a connection has been healthy, and restarts from the first target', () => {
    const t = setup({ healthyAfterMs: 10_000 });
    t.conn.start();
    refuseRepeatedly(t, 6); // now on B after five failures
    expect(t.dialer.last.target).toBe(B);
    t.dialer.last.welcome();
    t.clock.advance(10_000);
    t.dialer.last.close(new Error('14 UNAVAILABLE: Connection dropped'));
    expect(t.events.at(-1)).toBe('lost 127.0.0.1:7402: 14 UNAVAILABLE: Connection dropped');
    expect(t.conn.state).toMatchObject({ type: 'waiting', nextTarget: A.address, attempt: 1 });
    t.clock.advance(199);
    expect(t.dialer.last.target).toBe(A);
  });

  it('backoff - a connection lost before it was healthy keeps growing the delay', () => {
    const t = setup({ healthyAfterMs: 10_000 });
    t.conn.start();
    refuseRepeatedly(t, 4); // three failures so far, now on B
    t.dialer.last.welcome();
    t.clock.advance(100);
    t.dialer.last.close(undefined);
    expect(t.conn.state).toMatchObject({ type: 'waiting', nextTarget: A.address, attempt: 4 });
  });

  it('welcome timeout - a silent coordinator is dropped and the next target tried', () => {
    const t = setup({ welcomeTimeoutMs: 5000 });
    t.conn.start();
    const silent = t.dialer.last;
    t.clock.advance(4999);
    expect(silent.cancelled).toBe(false);
    t.clock.advance(1);
    expect(silent.cancelled).toBe(true);
    expect(t.conn.state).toMatchObject({ type: 'waiting', nextTarget: B.address });
  });

  it('welcome timeout - each late Welcome in a row doubles the next wait, up to the cap; a Welcome resets it', () => {
    const t = setup({ welcomeTimeoutMs: 5000, welcomeTimeoutCapMs: 30_000 });
    t.conn.start();
    /** How long the current stream is waited for before it is given up, then on to the next dial. */
    const waitedFor = (): number => {
      const s = t.dialer.last;
      const from = t.clock.now();
      while (!s.cancelled) t.clock.advance(100);
      const waited = t.clock.now() - from;
      const state = t.conn.state;
      if (state.type === 'waiting') t.clock.advance(state.retryAtMs - t.clock.now());
      return waited;
    };
    expect([waitedFor(), waitedFor(), waitedFor(), waitedFor(), waitedFor()]).toEqual([5000, 10_000, 20_000, 30_000, 30_000]);

    // A refused connection is a coordinator that is down: it neither grows nor resets the wait.
    t.dialer.last.close(refused());
    t.clock.advance((t.conn.state as { retryAtMs: number }).retryAtMs - t.clock.now());
    expect(waitedFor()).toBe(30_000);

    t.dialer.last.welcome();
    t.dialer.last.close(undefined);
    t.clock.advance((t.conn.state as { retryAtMs: number }).retryAtMs - t.clock.now());
    expect(waitedFor()).toBe(5000);
  });

  it('accept wait - a connection the coordinator has not taken yet is waited for past the Welcome wait', () => {
    const t = setup({ welcomeTimeoutMs: 5000 });
    t.conn.start();
    const s = t.dialer.last;
    expect(t.conn.state).toMatchObject({ type: 'connecting', stage: 'connect' });
    t.clock.advance(1000);
    s.connected();
    expect(t.conn.state).toMatchObject({ type: 'connecting', stage: 'accept' });
    // 25 s in the accept queue of a coordinator working through a reconnect storm.
    t.clock.advance(25_000);
    expect(s.cancelled).toBe(false);
    s.taken();
    expect(t.conn.state).toMatchObject({ type: 'connecting', stage: 'welcome' });
    // The Welcome wait counts from the moment it was taken.
    t.clock.advance(4999);
    expect(s.cancelled).toBe(false);
    s.welcome();
    expect(t.conn.state).toMatchObject({ type: 'connected', target: A.address });
    expect(t.dialer.streams).toHaveLength(1);
  });

  it('accept wait - a connection never taken is left after acceptTimeoutMs, and counts as a late Welcome', () => {
    const t = setup({ welcomeTimeoutMs: 5000, acceptTimeoutMs: 30_000 });
    t.conn.start();
    const s = t.dialer.last;
    s.connected();
    t.clock.advance(29_999);
    expect(s.cancelled).toBe(false);
    t.clock.advance(1);
    expect(s.cancelled).toBe(true);
    expect(t.conn.state).toMatchObject({ type: 'waiting', nextTarget: B.address });
    // The next dial's Welcome wait is doubled: 10 s once taken.
    t.clock.advance((t.conn.state as { retryAtMs: number }).retryAtMs - t.clock.now());
    const next = t.dialer.last;
    expect(next).not.toBe(s);
    next.connected();
    next.taken();
    t.clock.advance(9999);
    expect(next.cancelled).toBe(false);
    t.clock.advance(1);
    expect(next.cancelled).toBe(true);
  });

  it('accept wait - a host that does not answer at all is left after the Welcome wait', () => {
    const t = setup({ welcomeTimeoutMs: 5000, acceptTimeoutMs: 30_000 });
    t.conn.start();
    const s = t.dialer.last;
    t.clock.advance(4999);
    expect(s.cancelled).toBe(false);
    t.clock.advance(1);
    expect(s.cancelled).toBe(true);
    expect(t.conn.state).toMatchObject({ type: 'waiting', nextTarget: B.address });
  });

  it('accept wait - a taken connection whose Hello is not answered is left after the Welcome wait', () => {
    const t = setup({ welcomeTimeoutMs: 5000 });
    t.conn.start();
    const s = t.dialer.last;
    s.connected();
    t.clock.advance(3000);
    s.taken();
    t.clock.advance(4999);
    expect(s.cancelled).toBe(false);
    t.clock.advance(1);
    expect(s.cancelled).toBe(true);
    expect(t.conn.state).toMatchObject({ type: 'waiting', nextTarget: B.address });
  });

  it('accept wait - stages only move forward; a late TCP event after the take changes nothing', () => {
    const t = setup({ welcomeTimeoutMs: 5000 });
    t.conn.start();
    const s = t.dialer.last;
    s.taken();
    s.connected();
    expect(t.conn.state).toMatchObject({ type: 'connecting', stage: 'welcome' });
    t.clock.advance(5000);
    expect(s.cancelled).toBe(true);
  });

  it('accept wait - rejects a wait that is not a positive number of ms, naming it', () => {
    expect(() => setup({ acceptTimeoutMs: 0 })).toThrow(/acceptTimeoutMs must be a positive number of ms, got 0/);
    expect(() => setup({ acceptTimeoutMs: Number.NaN })).toThrow(/acceptTimeoutMs/);
  });

  it('protocol - anything but Welcome in answer to Hello drops the stream', () => {
    const t = setup();
    t.conn.start();
    t.dialer.last.send({ body: 'ack', ack: { seq: 1 } });
    expect(t.dialer.streams[0]!.cancelled).toBe(true);
    expect(t.messages).toEqual([]);
    expect(t.conn.state.type).toBe('waiting');
  });

  it('backpressure - a false write() pauses sending until the stream drains', () => {
    const t = setup();
    t.conn.start();
    t.dialer.last.welcome();
    const s = t.sessions[0]!;
    t.dialer.last.accepts = false;
    expect(s.send({ heartbeat: { seq: 1 } })).toBe(true);
    expect(s.writable).toBe(false);
    expect(s.send({ heartbeat: { seq: 2 } })).toBe(false);
    t.dialer.last.drain();
    expect(s.writable).toBe(true);
    expect(t.dialer.last.written.filter((m) => m.heartbeat).map((m) => m.heartbeat!.seq)).toEqual([1]);
  });

  it('stop - Goodbye, half-close, then waits for the coordinator to end the stream', async () => {
    const t = setup({ stopTimeoutMs: 1000 });
    t.conn.start();
    t.dialer.last.welcome();
    const stream = t.dialer.last;
    let done = false;
    const stopping = t.conn.stop('shutdown').then(() => (done = true));
    expect(stream.written.at(-1)).toEqual({ goodbye: { reason: 'shutdown' } });
    expect(stream.ended).toBe(true);
    await Promise.resolve();
    expect(done).toBe(false);
    stream.close(undefined);
    await stopping;
    expect(stream.cancelled).toBe(false);
    expect(t.conn.state.type).toBe('stopped');
    t.clock.advance(60_000);
    expect(t.dialer.streams).toHaveLength(1);
  });

  it('stop - nothing is written after Goodbye: a probe answer or event finishing meanwhile is refused, not written to the ended stream', async () => {
    const t = setup({ stopTimeoutMs: 1000 });
    t.conn.start();
    t.dialer.last.welcome();
    const stream = t.dialer.last;
    const session = t.sessions[0]!;
    expect(session.send({ heartbeat: { seq: 1 } } as never)).toBe(true);
    const stopping = t.conn.stop('shutdown');
    expect(session.writable).toBe(false);
    expect(session.send({ heartbeat: { seq: 2 } } as never)).toBe(false);
    expect(stream.written.at(-1)).toEqual({ goodbye: { reason: 'shutdown' } });
    stream.close(undefined);
    await stopping;
  });

  it('stop - gives up waiting after the stop timeout and cancels', async () => {
    const t = setup({ stopTimeoutMs: 1000 });
    t.conn.start();
    t.dialer.last.welcome();
    const stopping = t.conn.stop();
    t.clock.advance(1000);
    await stopping;
    expect(t.dialer.last.cancelled).toBe(true);
  });

  it('stop - while backing off, cancels the retry', async () => {
    const t = setup();
    t.conn.start();
    t.dialer.last.close(refused());
    await t.conn.stop();
    t.clock.advance(60_000);
    expect(t.dialer.streams).toHaveLength(1);
    expect(t.conn.state.type).toBe('stopped');
  });
});
