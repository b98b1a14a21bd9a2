import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '@vigil/shared';
import { IntervalWindow, phi, yAtPhi } from './phi-accrual.js';
import { detectionWindowFor, SilenceDetector, type ArrivalSignal, type SilenceVerdict } from './silence-detector.js';

function setup(intervalMs: number, opts = {}, signal: ArrivalSignal = 'heartbeat') {
  const clock = new FakeClock();
  const verdicts: (SilenceVerdict & { at: number })[] = [];
  const d = new SilenceDetector(clock, (v) => verdicts.push({ ...v, at: clock.now() }), { sweepMs: 10, deferSweep: false, ...opts });
  d.start();
  d.watch('h1', intervalMs, undefined, signal);
  return { clock, d, verdicts };
}

/** Beats every `gap(i)` ms, n times. */
function beat(clock: FakeClock, d: SilenceDetector, n: number, gap: (i: number) => number) {
  for (let i = 0; i < n; i++) {
    clock.advance(gap(i));
    d.heartbeat('h1');
  }
}

describe('phi accrual - math', () => {
  it('grows with elapsed time and crosses 8 about 5.6 deviations past the mean', () => {
    expect(phi(1000, 1000, 100)).toBeCloseTo(0.3, 1);
    expect(phi(1500, 1000, 100)).toBeGreaterThan(phi(1200, 1000, 100));
    const y = yAtPhi(8);
    expect(y).toBeGreaterThan(5);
    expect(y).toBeLessThan(6.5);
    expect(phi(1000 + y * 100, 1000, 100)).toBeCloseTo(8, 3);
  });
  it('window keeps the last N samples', () => {
    const w = new IntervalWindow(3);
    for (const v of [100, 100, 100, 400, 400, 400]) w.add(v);
    expect(w.size).toBe(3);
    expect(w.mean).toBe(400);
    expect(w.stdDev).toBe(0);
  });
  it('window sums stay those of the intervals it holds, after many evictions', () => {
    const w = new IntervalWindow(100);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const all: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v = 900 + rnd() * 200 + rnd() / 7; // fractional ms, as timers report them
      all.push(v);
      w.add(v);
    }
    const held = all.slice(-100);
    const mean = held.reduce((a, b) => a + b, 0) / 100;
    const sd = Math.sqrt(held.reduce((a, b) => a + (b - mean) ** 2, 0) / 100);
    expect(Math.abs(w.mean - mean)).toBeLessThan(1e-3);
    expect(Math.abs(w.stdDev - sd)).toBeLessThan(1e-3);
  });
});

describe('silence detector - steady host', () => {
  it('is never silent while heartbeats arrive on time', () => {
    const { clock, d, verdicts } = setup(5000);
    beat(clock, d, 200, () => 5000);
    expect(verdicts).toEqual([]);
  });
  it('declares silence within two intervals of the last heartbeat, and only once', () => {
    const { clock, d, verdicts } = setup(5000);
    beat(clock, d, 20, () => 5000);
    const last = clock.now();
    clock.advance(60_000);
    expect(verdicts).toHaveLength(1);
    const after = verdicts[0]!.at - last;
    expect(after).toBeGreaterThanOrEqual(1.75 * 5000);
    expect(after).toBeLessThanOrEqual(2 * 5000 + 10);
    // The first heartbeat right after Hello is not an interval: the ceiling is 2 intervals.
    expect(verdicts[0]!.phi).toBeGreaterThanOrEqual(8);
  });
  it('judges a host when its window ends, not on the next tick of the sweep: the verdict lands on the deadline at any phase', () => {
    // Ticks of 100 ms (the default) and arrivals at phases off the tick grid: the verdict
    // must come at the deadline itself, within the fake clock's 1 ms, every time.
    for (const phase of [1, 37, 63, 99]) {
      const { clock, d, verdicts } = setup(1000, { sweepMs: 100 }, 'liveness');
      clock.advance(phase);
      for (let i = 0; i < 10; i++) {
        clock.advance(1000);
        d.liveness('h1');
      }
      const deadline = d.deadlineOf('h1')!;
      clock.advance(5000);
      expect(verdicts, `phase ${phase}`).toHaveLength(1);
      expect(verdicts[0]!.at - deadline, `phase ${phase}`).toBeLessThanOrEqual(1);
      expect(verdicts[0]!.at).toBeGreaterThanOrEqual(deadline);
      d.stop();
    }
  });
  it('while hosts are heard, sweeps once a tick and no more', () => {
    const clock = new FakeClock();
    const d = new SilenceDetector(clock, () => {}, { sweepMs: 100, deferSweep: false });
    let sweeps = 0;
    d.beforeSweep = () => (sweeps++, 0);
    d.start();
    for (let h = 0; h < 50; h++) d.watch(`h${h}`, 1000, undefined, 'liveness');
    for (let t = 0; t < 10_000; t += 20) {
      clock.advance(20);
      // Each host heard once a second, at its own phase.
      for (let h = 0; h < 50; h++) if ((t + h * 20) % 1000 === 0) d.liveness(`h${h}`);
    }
    expect(sweeps).toBe(100);
    d.stop();
  });
  it('does not alarm on a heartbeat half an interval late (a GC pause)', () => {
    const { clock, d, verdicts } = setup(5000);
    beat(clock, d, 20, () => 5000);
    clock.advance(7500);
    d.heartbeat('h1');
    beat(clock, d, 5, () => 5000);
    expect(verdicts).toEqual([]);
  });
  it('uses the floor at short intervals where timer jitter dominates', () => {
    const { clock, d, verdicts } = setup(500);
    beat(clock, d, 20, () => 500);
    const last = clock.now();
    clock.advance(5000);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]!.at - last).toBeGreaterThanOrEqual(1000);
    expect(verdicts[0]!.at - last).toBeLessThanOrEqual(1200);
  });
});

describe('silence detector - jittery host', () => {
  it('tolerates jitter of ±40% without alarms', () => {
    const { clock, d, verdicts } = setup(1000);
    let x = 7;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    beat(clock, d, 500, () => 600 + rand() * 800);
    expect(verdicts).toEqual([]);
  });
  it('still declares silence by the ceiling when the history is noisy', () => {
    const { clock, d, verdicts } = setup(1000);
    beat(clock, d, 100, (i) => (i % 2 === 0 ? 300 : 1600));
    const last = clock.now();
    clock.advance(10_000);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]!.at - last).toBeLessThanOrEqual(2000 + 10);
  });
});

describe('silence detector - stalls of the coordinator itself', () => {
  it('moves deadlines by a stall of the sweep instead of blaming every host for it', () => {
    const clock = new FakeClock();
    const verdicts: SilenceVerdict[] = [];
    const d = new SilenceDetector(clock, (v) => verdicts.push(v), { deferSweep: false }); // not started: sweeps by hand
    d.watch('h1', 1000);
    beat(clock, d, 10, () => 1000);
    // The coordinator was stuck for 3 s: the host's heartbeats are queued, unread.
    clock.advance(3000);
    d.sweep(3000);
    expect(verdicts).toEqual([]);
    // Genuinely silent afterwards: judged again from the moved deadline.
    clock.advance(2000);
    d.sweep(0);
    expect(verdicts).toHaveLength(1);
  });
  it('a coordinator stalling again and again moves a dead host\'s deadline by one window at most: reported late, never missed', () => {
    const clock = new FakeClock();
    const verdicts: (SilenceVerdict & { at: number })[] = [];
    const d = new SilenceDetector(clock, (v) => verdicts.push({ ...v, at: clock.now() }), { deferSweep: false });
    d.watch('h1', 1000, undefined, 'liveness');
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      d.liveness('h1');
    }
    const last = clock.now();
    // Every sweep 500 ms late (a busy coordinator): each would move the deadline by 500 ms.
    for (let i = 0; i < 40 && verdicts.length === 0; i++) {
      clock.advance(500);
      d.sweep(500);
    }
    expect(verdicts).toHaveLength(1);
    // The deadline (at most 2 s) moved by the window (2 s) at most, and one sweep's delay.
    expect(verdicts[0]!.at - last).toBeLessThanOrEqual(2000 + 2000 + 500);
  });

  it('does not learn the gap between Hello and the first heartbeat as an interval', () => {
    const clock = new FakeClock();
    const verdicts: SilenceVerdict[] = [];
    const d = new SilenceDetector(clock, (v) => verdicts.push(v), { sweepMs: 10, deferSweep: false });
    d.start();
    d.watch('h1', 5000);
    clock.advance(5); // the agent beats at once after Welcome
    d.heartbeat('h1');
    for (let i = 0; i < 9; i++) {
      clock.advance(5000);
      d.heartbeat('h1');
    }
    expect(d.deadlineOf('h1')! - clock.now()).toBe(8750);
  });
});

describe('silence detector - paused and resumed', () => {
  it('declares a paused host silent, and watches it afresh when it resumes', () => {
    const { clock, d, verdicts } = setup(1000);
    beat(clock, d, 10, () => 1000);
    clock.advance(30_000);
    expect(verdicts).toHaveLength(1);
    d.heartbeat('h1');
    // The 30 s gap was an outage, not rhythm: normal heartbeats afterwards stay quiet.
    beat(clock, d, 10, () => 1000);
    expect(verdicts).toHaveLength(1);
    clock.advance(5000);
    expect(verdicts).toHaveLength(2);
  });
  it('gives a host loaded after a restart the whole grace before judging it', () => {
    const clock = new FakeClock();
    const verdicts: SilenceVerdict[] = [];
    const d = new SilenceDetector(clock, (v) => verdicts.push(v), { sweepMs: 10, deferSweep: false });
    d.start();
    d.watch('h1', 500, 15_000);
    clock.advance(14_900);
    expect(verdicts).toEqual([]);
    clock.advance(200);
    expect(verdicts).toHaveLength(1);
  });
  it('stops judging after unwatch and after stop', () => {
    const { clock, d, verdicts } = setup(1000);
    d.unwatch('h1');
    clock.advance(10_000);
    expect(verdicts).toEqual([]);
    d.watch('h1', 1000);
    d.stop();
    clock.advance(10_000);
    expect(verdicts).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('silence detector - liveness signal', () => {
  function live(opts = {}) {
    const clock = new FakeClock();
    const verdicts: (SilenceVerdict & { at: number })[] = [];
    const d = new SilenceDetector(clock, (v) => verdicts.push({ ...v, at: clock.now() }), { sweepMs: 10, deferSweep: false, ...opts });
    d.start();
    d.watch('h1', 1000, undefined, 'liveness');
    return { clock, d, verdicts };
  }

  /** `n` liveness beats, `gapMs` apart. */
  function onTime(clock: FakeClock, d: SilenceDetector, n: number, gapMs = 1000) {
    for (let i = 0; i < n; i++) {
      clock.advance(gapMs);
      d.liveness('h1');
    }
  }

  it('declares a host silent within two liveness periods, whatever the heartbeat interval', () => {
    const { clock, d, verdicts } = live();
    for (let i = 1; i <= 30; i++) {
      clock.advance(1000);
      d.liveness('h1');
      if (i % 5 === 0) d.heartbeat('h1');
    }
    const last = clock.now();
    clock.advance(10_000);
    expect(verdicts).toHaveLength(1);
    const after = verdicts[0]!.at - last;
    expect(after).toBeGreaterThanOrEqual(1750);
    expect(after).toBeLessThanOrEqual(2000 + 10);
  });

  it('learns its rhythm from liveness only: heartbeats between them do not shorten the window', () => {
    const { clock, d, verdicts } = live();
    // Heartbeats 300 ms after each liveness would halve the learned gaps if they counted.
    for (let i = 0; i < 40; i++) {
      clock.advance(300);
      d.heartbeat('h1');
      clock.advance(700);
      d.liveness('h1');
    }
    // A liveness 1.6 s late (under the floor) is no alarm.
    clock.advance(1600);
    expect(verdicts).toEqual([]);
    d.liveness('h1');
    expect(d.phiOf('h1')).toBeLessThan(1);
  });

  it('one beat that came two ways (stream and datagram) is learned once: the deadline stays at the floor', () => {
    const { clock, d, verdicts } = live();
    // The first beats after Welcome go both ways until the coordinator hears the datagrams:
    // the stream's copy read now, the datagram's taken by the receiver 3 ms before.
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      d.liveness('h1');
      d.liveness('h1', clock.now() - 3);
    }
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      d.liveness('h1');
    }
    // The rhythm is a steady 1 s: phi crosses 8 before the floor, so the floor decides.
    expect(d.deadlineOf('h1')! - clock.now()).toBe(1750);
    clock.advance(1749);
    expect(verdicts).toEqual([]);
    clock.advance(11);
    expect(verdicts).toHaveLength(1);
  });

  it('a gap of half a period or more is learned: an agent beating faster than it announced', () => {
    const { clock, d, verdicts } = live();
    for (let i = 0; i < 40; i++) {
      clock.advance(500);
      d.liveness('h1');
    }
    // Learned as a 500 ms rhythm, 1.2 s of quiet is far out: phi is well past 8 by then
    // (a window that had skipped them would still read about 1 s and phi under 2).
    clock.advance(1200);
    expect(d.phiOf('h1')).toBeGreaterThan(8);
    expect(verdicts).toEqual([]);
  });

  it('a heartbeat proves the host alive: it moves the deadline', () => {
    const { clock, d, verdicts } = live();
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      d.liveness('h1');
    }
    clock.advance(1500);
    d.heartbeat('h1');
    clock.advance(1500);
    expect(verdicts).toEqual([]);
    clock.advance(600);
    expect(verdicts).toHaveLength(1);
  });

  it('after a silence, the gap spanning the outage is not learned, whichever signal comes back first', () => {
    const { clock, d, verdicts } = live();
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      d.liveness('h1');
    }
    clock.advance(30_000);
    expect(verdicts).toHaveLength(1);
    d.heartbeat('h1');
    clock.advance(1000);
    d.liveness('h1');
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      d.liveness('h1');
    }
    // Had the 31 s gap been learned, the next deadline would sit at the ceiling (2 s); the
    // learned rhythm is 1 s, so phi at 1.5 s is already well above 1.
    clock.advance(1500);
    expect(d.phiOf('h1')).toBeGreaterThan(1);
    clock.advance(600);
    expect(verdicts).toHaveLength(2);
  });

  it('a host that flaps is judged at the floor the next time: its first beats back on its grid are not learned', () => {
    const { clock, d, verdicts } = live();
    onTime(clock, d, 10);
    // Each outage: quiet until the verdict, a beat the moment the agent runs again (off its
    // grid), its next grid point anywhere from 0 to 1 period later, then two on time.
    const backOnGrid = [200, 550, 700, 950, 300, 800, 650, 400, 600, 900, 250, 750];
    for (const [k, catchUp] of backOnGrid.entries()) {
      clock.advance(2500);
      expect(verdicts).toHaveLength(k + 1);
      d.liveness('h1');
      clock.advance(catchUp);
      d.liveness('h1');
      onTime(clock, d, 2);
    }
    // Learned, those gaps (and, after a catch-up under half a period taken for a second
    // copy, the 1.2-1.4 s one after it) would put the deadline past the floor.
    expect(d.deadlineOf('h1')! - clock.now()).toBe(1750);
    clock.advance(1749);
    expect(verdicts).toHaveLength(backOnGrid.length);
    clock.advance(11);
    expect(verdicts).toHaveLength(backOnGrid.length + 1);
  });

  it('an agent that stalls now and then: its late beats are learned, the catch-ups to its grid are not', () => {
    const { clock, d, verdicts } = live();
    onTime(clock, d, 10);
    // Every tenth beat 400 ms late (the agent's loop stood still), the next on its grid.
    for (let k = 0; k < 9; k++) {
      onTime(clock, d, 8);
      clock.advance(1400);
      d.liveness('h1');
      clock.advance(600);
      d.liveness('h1');
    }
    expect(verdicts).toEqual([]);
    // The late gaps alone (1.4 s, one in ten) leave phi's deadline under the floor; with the
    // 0.6 s catch-ups learned too the deviation grows and the deadline passes it.
    expect(d.deadlineOf('h1')! - clock.now()).toBe(1750);
    expect(d.phiOf('h1')).toBeLessThan(1);
    clock.advance(1760);
    expect(verdicts).toHaveLength(1);
  });

  it('a catch-up under half a period is taken for a second copy: the gap after it is not learned either', () => {
    const { clock, d } = live();
    const expected = new IntervalWindow(100);
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      d.liveness('h1');
      if (i > 0) expected.add(1000); // Hello → the first beat is no sample
    }
    for (let k = 0; k < 9; k++) {
      for (let i = 0; i < 8; i++) {
        clock.advance(1000);
        d.liveness('h1');
        expected.add(1000);
      }
      // 600 ms late: learned.
      clock.advance(1600);
      d.liveness('h1');
      expected.add(1600);
      // On the grid 400 ms later: too soon to tell from a second copy. The next beat, 1.4 s
      // after the late one, ends that catch-up: no sample either.
      clock.advance(400);
      d.liveness('h1');
      clock.advance(1000);
      d.liveness('h1');
    }
    // The detector's window holds exactly the gaps above: phi agrees with one built from them.
    clock.advance(1300);
    expect(d.phiOf('h1')).toBeCloseTo(phi(1300, expected.mean, Math.max(expected.stdDev, 100)), 6);
  });

  it('a comeback through the other signal: neither the gap spanning the outage nor the next one is learned', () => {
    const { clock, d, verdicts } = live();
    onTime(clock, d, 10);
    for (let k = 0; k < 12; k++) {
      clock.advance(2500);
      d.heartbeat('h1');
      clock.advance(100);
      d.liveness('h1');
      clock.advance(k % 2 === 0 ? 550 : 700);
      d.liveness('h1');
      clock.advance(1000);
      d.liveness('h1');
    }
    expect(verdicts).toHaveLength(12);
    expect(d.deadlineOf('h1')! - clock.now()).toBe(1750);
  });
});

describe('detectionWindowFor', () => {
  it('is the ceiling, never under the floor: a floor set above the ceiling wins', () => {
    const o = { floorIntervals: 1.75, ceilingIntervals: 2, minFloorMs: 1000 };
    expect(detectionWindowFor(1000, o)).toBe(2000);
    expect(detectionWindowFor(200, o)).toBe(1000);
    expect(detectionWindowFor(1000, { ...o, floorIntervals: 3 })).toBe(3000);
  });
});

describe('silence detector - a new period (repace)', () => {
  it('a longer period: the deadline moves out to the new window from now, and gaps are judged by the new period', () => {
    const { clock, d, verdicts } = setup(500, {}, 'liveness');
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      d.liveness('h1');
    }
    expect(d.repace('h1', 2000, 'liveness')).toBe(true);
    expect(d.deadlineOf('h1')).toBe(clock.now() + 4000);
    // The agent's first message at the new pace comes 2 s later: no silence.
    for (let i = 0; i < 5; i++) {
      clock.advance(2000);
      d.liveness('h1');
    }
    expect(verdicts).toEqual([]);
    clock.advance(4100);
    expect(verdicts.map((v) => v.hostId)).toEqual(['h1']);
    expect(d.repace('nobody', 1000, 'liveness')).toBe(false);
  });

  it('a shorter period never brings the deadline forward; back to heartbeats when liveness stops', () => {
    const { clock, d, verdicts } = setup(2000, {}, 'liveness');
    clock.advance(2000);
    d.liveness('h1');
    const before = d.deadlineOf('h1')!;
    d.repace('h1', 500, 'liveness');
    expect(d.deadlineOf('h1')).toBe(before);
    d.repace('h1', 5000, 'heartbeat');
    // Judged by the 5 s heartbeat now: 8 s quiet is within its floor (8.75 s), twice.
    clock.advance(8000);
    d.liveness('h1'); // still proves it alive, without being the rhythm
    clock.advance(8000);
    expect(verdicts).toEqual([]);
    d.heartbeat('h1');
    clock.advance(10_100);
    expect(verdicts.map((v) => v.hostId)).toEqual(['h1']);
  });
});

describe('silence detector - after a stall of the coordinator, on the real event loop', () => {
  it('a late sweep waits until one loop turn per 1,024 watched hosts has passed, so liveness read on those turns counts', async () => {
    const verdicts: string[] = [];
    const d = new SilenceDetector(systemClock, (v) => verdicts.push(v.hostId), { sweepMs: 20, minFloorMs: 50 });
    const hosts = Array.from({ length: 3000 }, (_, i) => `h${i}`);
    for (const h of hosts) d.watch(h, 500);
    try {
      await new Promise<void>((resolve) => {
        setTimeout(() => {
          // Sweeps begin here, with every host just heard from: a test process slowed by
          // others running beside it cannot have its hosts judged before the stall.
          for (const h of hosts) d.heartbeat(h);
          d.start();
          // The coordinator stands still for 2.5 s, past every host's 1 s window and the one
          // window a stall may move a deadline by...
          const until = Date.now() + 2500;
          while (Date.now() < until);
          // ...while their messages queue in the kernel. The loop then reads at most 1,024
          // ready sockets a turn: here, one turn's worth of arrivals per setImmediate.
          let turn = 0;
          const read = () => {
            for (const h of hosts.slice(turn * 1024, (turn + 1) * 1024)) d.heartbeat(h);
            if (++turn * 1024 < hosts.length) setImmediate(read);
            else setTimeout(resolve, 5);
          };
          setImmediate(read);
        }, 30);
      });
      expect(verdicts, `${verdicts.length} hosts judged`).toEqual([]);
    } finally {
      d.stop();
    }
  });
});

describe('silence detector - after a stall, hosts fed by datagrams', () => {
  it('a late sweep does not wait loop turns for hosts whose arrivals beforeSweep reads in: a dead one is judged without waiting a turn per 1,024 of them', async () => {
    const verdicts: { hostId: string; turn: number }[] = [];
    let turn = 0;
    const d = new SilenceDetector(systemClock, (v) => verdicts.push({ hostId: v.hostId, turn }), { sweepMs: 20, minFloorMs: 50 });
    const live = Array.from({ length: 3000 }, (_, i) => `h${i}`);
    for (const h of [...live, 'dead']) {
      d.watch(h, 500, undefined, 'liveness');
      d.setExact(h, true);
    }
    // The receiver thread is current throughout: every live host's datagram is on the board.
    d.beforeSweep = () => {
      for (const h of live) d.liveness(h, Date.now());
      return 0;
    };
    try {
      await new Promise<void>((resolve) => {
        setTimeout(() => {
          d.liveness('dead');
          d.start();
          // A sweep or two count who is read on the loop (no one), then the coordinator
          // stands still past the dead host's 1 s window.
          setTimeout(() => {
            const until = Date.now() + 1500;
            while (Date.now() < until);
            // Loop turns go by, one per setImmediate, as they would reading stream sockets.
            const count = () => {
              turn++;
              if (verdicts.length === 0 && turn < 20) setImmediate(count);
              else resolve();
            };
            setImmediate(count);
          }, 60);
        }, 30);
      });
      expect(verdicts.map((v) => v.hostId)).toEqual(['dead']);
      // The sweep's timer fires on the turn the stall ends or the next, and its sweep on the
      // turn after. Waiting for 3,001 hosts' sockets would have taken three (one per 1,024).
      expect(verdicts[0]!.turn).toBeLessThanOrEqual(2);
    } finally {
      d.stop();
    }
  });
});

describe('silence detector - hosts fed by datagrams, judged before the loop reads its sockets', () => {
  it('a dead one is judged in the timers phase, before a long poll phase of stream reads; one read on the loop waits for it', async () => {
    const events: string[] = [];
    const d = new SilenceDetector(systemClock, (v) => events.push(`verdict ${v.hostId}`), { sweepMs: 20, minFloorMs: 50 });
    d.watch('dead', 500, undefined, 'liveness');
    d.setExact('dead', true);
    d.watch('quiet', 500, undefined, 'liveness');
    d.beforeSweep = () => 0;
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    try {
      const peer = await new Promise<Socket>((resolve) => server.once('connection', resolve));
      let chunks = 0;
      const done = new Promise<void>((resolve) => {
        peer.on('data', () => {
          if (++chunks === 1) {
            // A stream read in the poll phase: the detector starts, then this thread stands
            // still past both hosts' 1 s windows, and more stream data arrives meanwhile.
            d.liveness('dead');
            d.liveness('quiet');
            d.start();
            const until = Date.now() + 1500;
            while (Date.now() < until);
            client.write('b');
            return;
          }
          // The next turn's poll phase: a read of what the loop's sockets hold.
          events.push('stream read');
          // The host read on the loop has its deadline moved by the stall (one window).
          const until = Date.now() + 3000;
          const wait = () => (events.length >= 3 || Date.now() > until ? resolve() : setTimeout(wait, 10));
          wait();
        });
      });
      client.write('a');
      await done;
      // The host read on the loop is judged after the read that might have held its
      // arrival; the one fed by datagrams does not wait for it.
      expect(events).toEqual(['verdict dead', 'stream read', 'verdict quiet']);
    } finally {
      d.stop();
      client.destroy();
      server.close();
    }
  });
});

describe('silence detector - arrivals read from elsewhere (liveness datagrams)', () => {
  it('an arrival dated earlier counts from its own time, never before the last one nor after now', () => {
    const { clock, d } = setup(1000, {}, 'liveness');
    clock.advance(1000);
    d.liveness('h1');
    clock.advance(900);
    // Taken by the receiver 700 ms ago, read only now: the window runs from then.
    const at = clock.now() - 700;
    d.liveness('h1', at);
    // Between the floor (1.75 periods) and the ceiling (2) from the receiver's time.
    expect(d.deadlineOf('h1')).toBeGreaterThanOrEqual(at + 1750);
    expect(d.deadlineOf('h1')).toBeLessThanOrEqual(at + 2000);
    const deadline = d.deadlineOf('h1')!;
    // Older than the last arrival: moves nothing back.
    d.liveness('h1', clock.now() - 5000);
    expect(d.deadlineOf('h1')).toBeGreaterThanOrEqual(deadline);
    // From the future (another clock's skew): taken as now.
    d.liveness('h1', clock.now() + 60_000);
    expect(d.deadlineOf('h1')).toBeLessThanOrEqual(clock.now() + 2000);
  });

  it('beforeSweep runs ahead of each sweep, so an arrival it reads in keeps the host from its verdict', () => {
    const { clock, d, verdicts } = setup(1000, {}, 'liveness');
    let reads = 0;
    d.beforeSweep = () => {
      reads++;
      // What a receiver thread took just now, read in before the judgement.
      d.liveness('h1', clock.now());
      return 0;
    };
    clock.advance(10_000);
    expect(reads).toBeGreaterThan(100);
    expect(verdicts).toEqual([]);
    d.beforeSweep = () => 0;
    clock.advance(2100);
    expect(verdicts).toHaveLength(1);
  });
});

describe('silence detector - hosts fed by an exact source (liveness datagrams)', () => {
  function two() {
    const clock = new FakeClock();
    const verdicts: string[] = [];
    const d = new SilenceDetector(clock, (v) => verdicts.push(v.hostId), { deferSweep: false });
    d.watch('exact', 1000, undefined, 'liveness');
    d.watch('stream', 1000, undefined, 'liveness');
    d.setExact('exact', true);
    return { clock, d, verdicts };
  }

  it("this thread's stall is not forgiven to a host whose arrivals were read in with their own times", () => {
    const { clock, d, verdicts } = two();
    clock.advance(2500);
    // A sweep 2.5 s late: the stream host's liveness may sit unread; the exact host's cannot.
    d.sweep(2500, 0);
    expect(verdicts).toEqual(['exact']);
  });

  it('while the source itself stands still its hosts are not judged, and get the time it covered', () => {
    const { clock, d, verdicts } = two();
    d.sweep(0, 0);
    for (let i = 0; i < 25; i++) {
      clock.advance(100);
      d.sweep(0, 1000 + i * 100);
    }
    // 2.5 s: the stream host is silent, the exact host's deadline moved with the stale source.
    expect(verdicts).toEqual(['stream']);
    // The source is current again and nothing came: judged a window after it stood still.
    clock.advance(1000);
    d.sweep(0, 0);
    expect(verdicts).toEqual(['stream']);
    clock.advance(1100);
    d.sweep(0, 0);
    expect(verdicts).toEqual(['stream', 'exact']);
  });
});
