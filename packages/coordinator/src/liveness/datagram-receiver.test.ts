import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, encodeLivenessDatagram } from '@vigil/shared';
import { LivenessDatagrams } from './datagram-receiver.js';
import { waitFor } from '../test-support/stream-fixture.js';

let rx: LivenessDatagrams;
const udp = createSocket('udp4');

beforeAll(async () => {
  rx = await LivenessDatagrams.start('127.0.0.1', [0], createLogger('test', 'silent'), 4);
});
afterAll(async () => {
  udp.close();
  await rx?.stop();
});

const send = (key: Buffer, slot: number, seq: number, agentStallMs = 0) => udp.send(encodeLivenessDatagram(key, { slot, seq, agentStallMs }), rx.port, '127.0.0.1');

describe('liveness datagram receiver (a real receiver thread, real UDP on loopback)', () => {
  it('marks what it takes on the board at once; poll passes each slot its newest arrival once, with the receiver time', async () => {
    const arrivals: [number, number][] = [];
    const s = rx.open((at, stall) => arrivals.push([at, stall]))!;
    expect(rx.lastArrivalAt(s.slot)).toBe(0);
    const before = Date.now();
    send(s.key, s.slot, 1);
    send(s.key, s.slot, 2, 1500);
    // Read from the board without any poll: what a stream checks on a heartbeat.
    await waitFor(() => rx.counters().accepted >= 2);
    expect(rx.lastArrivalAt(s.slot)).toBeGreaterThanOrEqual(before);
    expect(arrivals).toEqual([]);
    rx.poll();
    expect(arrivals).toHaveLength(1);
    expect(arrivals[0]![1]).toBe(1500);
    expect(arrivals[0]![0]).toBe(rx.lastArrivalAt(s.slot));
    rx.poll();
    expect(arrivals).toHaveLength(1);
    rx.close(s.slot);
    expect(rx.lastArrivalAt(s.slot)).toBe(0);
  });

  it('a slot comes back only once the receiver has closed it, and its old key then counts for nothing', async () => {
    const slots = [rx.open(() => {})!, rx.open(() => {})!, rx.open(() => {})!];
    // Four slots in all: one is free from the last test once its close is done.
    await waitFor(() => {
      const s = rx.open(() => {});
      if (s) slots.push(s);
      return slots.length === 4;
    });
    expect(rx.open(() => {})).toBeUndefined();
    const old = slots.pop()!;
    rx.close(old.slot);
    const reused = await waitFor(() => rx.open(() => {}));
    expect(reused.slot).toBe(old.slot);
    const mac = rx.counters().mac;
    send(old.key, old.slot, 99);
    await waitFor(() => rx.counters().mac > mac);
    // The new stream's seq 1 is taken: the old key's 99 did not move the slot's seq.
    send(reused.key, reused.slot, 1);
    await waitFor(() => rx.lastArrivalAt(reused.slot) > 0);
    for (const s of [...slots, reused]) rx.close(s.slot);
  });

  it('once a stop has begun, no slot is opened and one closed is refused at once, whatever the receiver thread has not answered yet', async () => {
    const own = await LivenessDatagrams.start('127.0.0.1', [0], createLogger('test', 'silent'), 2);
    try {
      const s = own.open(() => {})!;
      own.beginStop();
      expect(own.open(() => {})).toBeUndefined();
      own.close(s.slot);
      expect(own.lastArrivalAt(s.slot)).toBe(0);
      const refused = () => own.counters().slot + own.counters().mac;
      const before = refused();
      udp.send(encodeLivenessDatagram(s.key, { slot: s.slot, seq: 1, agentStallMs: 0 }), own.port, '127.0.0.1');
      await waitFor(() => refused() > before);
      expect(own.counters().accepted).toBe(0);
    } finally {
      await own.stop();
    }
  });
});
