import { describe, expect, it } from 'vitest';
import { StreamDatagrams } from './stream-datagrams.js';

const T = 1_700_000_000_000;

describe('a stream liveness datagrams', () => {
  it('pending until the first datagram; unheard when none came within two periods and a second', () => {
    const d = new StreamDatagrams(3, T);
    expect(d.kind).toBe('pending');
    expect(d.checkHeard(T + 2999, 1000, () => 0)).toBeUndefined();
    expect(d.checkHeard(T + 3001, 1000, () => 0)).toEqual({ was: 'pending', quietMs: 2001 });
    expect(d.kind).toBe('unheard');
    // Told once: later heartbeats do not report it again.
    expect(d.checkHeard(T + 9000, 1000, () => 0)).toBeUndefined();
    // A datagram that gets through after all: heard again, and the change is reported.
    expect(d.arrived(T + 9500)).toBe(true);
    expect(d.kind).toBe('heard');
    expect(d.arrived(T + 10_500)).toBe(false);
  });

  it('a datagram on the board but not yet polled counts: a pending stream is not sent back', () => {
    const d = new StreamDatagrams(3, T);
    expect(d.checkHeard(T + 5000, 1000, () => T + 4900)).toBeUndefined();
    expect(d.kind).toBe('pending');
  });

  it('heard, then quiet for two periods by the board: unheard, with how long', () => {
    const d = new StreamDatagrams(3, T);
    d.arrived(T + 1000);
    // Not quiet by what the last poll passed on: the board is not read at all.
    expect(d.checkHeard(T + 2900, 1000, () => expect.unreachable('board read on a stream that is not quiet'))).toBeUndefined();
    // The last poll saw T+1000, the board has T+2900: not quiet.
    expect(d.checkHeard(T + 4000, 1000, () => T + 2900)).toBeUndefined();
    expect(d.checkHeard(T + 5001, 1000, () => T + 2900)).toEqual({ was: 'heard', quietMs: 2101 });
    expect(d.kind).toBe('unheard');
  });

  it('no period, no judgement; a lost receiver makes it unheard once', () => {
    const d = new StreamDatagrams(3, T);
    expect(d.checkHeard(T + 60_000, 0, () => 0)).toBeUndefined();
    expect(d.lost()).toBe('pending');
    expect(d.lost()).toBeUndefined();
    expect(d.kind).toBe('unheard');
  });
});
