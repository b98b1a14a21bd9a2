import * as grpc from '@grpc/grpc-js';
import { FakeClock, type Hello } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import type { CoordinatorTarget } from './config.js';
import { Connection } from './connection.js';
import { FakeDialer } from './test-support/fake-dialer.js';

const target = (port: number): CoordinatorTarget => ({ host: '127.0.0.1', port, address: `127.0.0.1:${port}` });
const A = target(7401);
const B = target(7402);
const refused = () => new Error('14 UNAVAILABLE: connect ECONNREFUSED');

/** What grpc-js hands the dialer when the coordinator sheds a Hello. */
function shed(pushbackMs: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-retry-pushback-ms', pushbackMs);
  return Object.assign(new Error(`8 RESOURCE_EXHAUSTED: busy; retry in ${pushbackMs} ms`), { code: grpc.status.RESOURCE_EXHAUSTED, details: 'busy', metadata });
}

function setup(random = () => 0.999) {
  const clock = new FakeClock();
  const dialer = new FakeDialer();
  const conn = new Connection({
    targets: [A, B],
    dialer,
    clock,
    backoff: { baseMs: 200, capMs: 10_000, random },
    handler: { hello: (): Hello => ({ hostId: 'h1', intervalMs: 1000 }), welcomed: () => {}, message: () => {}, lost: () => {} },
  });
  return { clock, dialer, conn };
}

describe('connection pushback', () => {
  it('pushback - a shed Hello is retried on the same target no sooner than the hint, plus a small spread', () => {
    const t = setup();
    t.conn.start();
    t.dialer.last.close(shed('3000'));
    expect(t.conn.state).toMatchObject({ type: 'waiting', nextTarget: A.address });
    t.clock.advance(2999);
    expect(t.dialer.streams).toHaveLength(1);
    // Hint 3000 ms, spread up to a tenth of it: the retry is due by 3299 ms.
    t.clock.advance(300);
    expect(t.dialer.streams).toHaveLength(2);
    expect(t.dialer.last.target).toBe(A);
  });

  it('pushback - sheds do not grow the backoff: a failure after many sheds waits as after the first', () => {
    const t = setup();
    t.conn.start();
    for (let i = 0; i < 20; i++) {
      t.dialer.last.close(shed('100'));
      t.clock.advance(150);
    }
    expect(t.dialer.streams).toHaveLength(21);
    expect(t.dialer.streams.every((s) => s.target === A)).toBe(true);
    // The first real failure: attempt 1, backoff ceiling 200 ms, then the next target.
    t.dialer.last.close(refused());
    expect(t.conn.state).toMatchObject({ type: 'waiting', nextTarget: B.address, attempt: 1 });
    t.clock.advance(199);
    expect(t.dialer.last.target).toBe(B);
  });

  it('pushback - without a usable hint RESOURCE_EXHAUSTED is an ordinary failure', () => {
    const t = setup();
    t.conn.start();
    t.dialer.last.close(shed('soon'));
    expect(t.conn.state).toMatchObject({ type: 'waiting', nextTarget: B.address, attempt: 1 });
    t.clock.advance(199);
    expect(t.dialer.last.target).toBe(B);
  });

  it('pushback - a shed agent that is then welcomed is connected', () => {
    const t = setup(() => 0);
    t.conn.start();
    t.dialer.last.close(shed('500'));
    t.clock.advance(500);
    t.dialer.last.welcome(1000, 'coord-a');
    expect(t.conn.state).toMatchObject({ type: 'connected', target: A.address, coordinatorId: 'coord-a' });
  });
});
