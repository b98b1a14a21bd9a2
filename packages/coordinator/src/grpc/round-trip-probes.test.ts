import { describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { RoundTripProbes, type EchoingSession } from './round-trip-probes.js';

/** A stream that is due from `dueAt` ms after `t0` and sends one Echo; `sentAt` relative to `t0`. */
function stream(t0: number, dueAt: number): EchoingSession & { sentAt: number[] } {
  const sentAt: number[] = [];
  return {
    sentAt,
    echoIfDue(now) {
      if (now - t0 < dueAt || sentAt.length > 0) return false;
      sentAt.push(now - t0);
      return true;
    },
  };
}

describe('RoundTripProbes - Echoes to hosts whose connect was slow', () => {
  it('every period, the streams that are due send one, at most a pass limit at a time', () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const streams = [stream(t0, 0), stream(t0, 0), stream(t0, 0), stream(t0, 12_000)];
    const probes = new RoundTripProbes(clock, () => streams, () => 0, { everyMs: 5_000, maxPerPass: 2 });
    probes.start();
    clock.advance(4_999);
    expect(probes.sent).toBe(0);
    clock.advance(1);
    expect(streams.map((s) => s.sentAt.length)).toEqual([1, 1, 0, 0]);
    clock.advance(5_000);
    expect(streams.map((s) => s.sentAt.length)).toEqual([1, 1, 1, 0]);
    clock.advance(5_000);
    expect(streams.map((s) => s.sentAt)).toEqual([[5_000], [5_000], [10_000], [15_000]]);
    probes.stop();
    expect(probes.sent).toBe(4);
  });

  it("none while the coordinator's loop runs late: the round trip would time its backlog", () => {
    const clock = new FakeClock();
    const streams = [stream(clock.now(), 0)];
    let lagMs = 400;
    const probes = new RoundTripProbes(clock, () => streams, () => lagMs, { everyMs: 5_000, maxLoopLagMs: 50 });
    probes.start();
    clock.advance(10_000);
    expect(streams[0]!.sentAt).toEqual([]);
    lagMs = 50;
    clock.advance(5_000);
    expect(streams[0]!.sentAt).toEqual([15_000]);
    probes.stop();
  });
});
