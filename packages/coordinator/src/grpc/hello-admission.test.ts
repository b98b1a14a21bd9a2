import { FakeClock } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { admissionGraceMs, HelloAdmission, type HelloAdmissionResult } from './hello-admission.js';

function admitMany(a: HelloAdmission, n: number): HelloAdmissionResult[] {
  return Array.from({ length: n }, () => a.admit());
}

const retry = (r: HelloAdmissionResult): number => (r.type === 'shed' ? r.retryAfterMs : -1);

describe('hello admission', () => {
  it('hello admission - takes a burst at once, then sheds', () => {
    const clock = new FakeClock();
    const a = new HelloAdmission({ ratePerSec: 100, burst: 5, clock, jitter: 0 });
    const results = admitMany(a, 8);
    expect(results.slice(0, 5).every((r) => r.type === 'admitted')).toBe(true);
    expect(results.slice(5).every((r) => r.type === 'shed')).toBe(true);
  });

  it('hello admission - admits at the configured rate over time', () => {
    const clock = new FakeClock();
    const a = new HelloAdmission({ ratePerSec: 100, burst: 1, clock, jitter: 0 });
    let admitted = 0;
    // 1,000 Hellos a second for 10 s against a bound of 100 a second.
    for (let ms = 0; ms < 10_000; ms++) {
      if (a.admit().type === 'admitted') admitted++;
      clock.advance(1);
    }
    expect(admitted).toBeGreaterThanOrEqual(999);
    expect(admitted).toBeLessThanOrEqual(1001);
  });

  it('hello admission - returnsDueBy is the latest return any agent sent away was given, jitter included', () => {
    const clock = new FakeClock();
    const a = new HelloAdmission({ ratePerSec: 100, burst: 1, clock, jitter: 0.5, random: () => 1 });
    expect(a.returnsDueBy()).toBe(-Infinity);
    a.admit();
    expect(a.returnsDueBy()).toBe(-Infinity);
    const t0 = clock.now();
    const hints = admitMany(a, 3).map(retry);
    expect(hints).toEqual([15, 30, 45]);
    expect(a.returnsDueBy()).toBe(t0 + 45);
    // Time passing does not move it; only a later hint does.
    clock.advance(1000);
    expect(a.returnsDueBy()).toBe(t0 + 45);
  });

  it('hello admission - spaces the retry hints at the admission rate, behind the queue', () => {
    const clock = new FakeClock();
    const a = new HelloAdmission({ ratePerSec: 100, burst: 1, clock, jitter: 0 });
    expect(a.admit().type).toBe('admitted');
    const hints = admitMany(a, 4).map(retry);
    // The bucket refills one token in 10 ms; each one sent away gets the next 10 ms slot.
    expect(hints).toEqual([10, 20, 30, 40]);
    // Later arrivals queue behind those already sent away, not at the front.
    clock.advance(5);
    expect(retry(a.admit())).toBe(45);
  });

  it('hello admission - a sent-away Hello that comes back at its slot is admitted', () => {
    const clock = new FakeClock();
    const a = new HelloAdmission({ ratePerSec: 10, burst: 1, clock, jitter: 0 });
    a.admit();
    const hint = retry(a.admit());
    expect(hint).toBe(100);
    clock.advance(hint);
    expect(a.admit().type).toBe('admitted');
  });

  it('hello admission - jitter spreads equal hints upward only, by at most its share', () => {
    const clock = new FakeClock();
    const draws = [0, 0.5, 0.999];
    const a = new HelloAdmission({ ratePerSec: 1, burst: 1, clock, jitter: 0.2, maxPushbackMs: 1000, random: () => draws.shift() ?? 0 });
    a.admit();
    // All three are capped at 1 s; jitter then adds 0 %, 10 % and ~20 %.
    expect(admitMany(a, 3).map(retry)).toEqual([1000, 1100, 1200]);
  });

  it('hello admission - caps the hint however long the queue', () => {
    const clock = new FakeClock();
    const a = new HelloAdmission({ ratePerSec: 10, burst: 1, clock, jitter: 0, maxPushbackMs: 2000 });
    const hints = admitMany(a, 1000).map(retry);
    expect(Math.max(...hints)).toBe(2000);
    expect(hints.filter((h) => h === 2000).length).toBeGreaterThan(900);
  });

  it('hello admission - the queue drains: after a quiet spell hints start small again', () => {
    const clock = new FakeClock();
    const a = new HelloAdmission({ ratePerSec: 100, burst: 2, clock, jitter: 0 });
    admitMany(a, 50);
    clock.advance(60_000);
    expect(admitMany(a, 2).every((r) => r.type === 'admitted')).toBe(true);
    expect(retry(a.admit())).toBe(10);
  });

  it('hello admission - while the event loop lags every Hello is sent away, and taken again once it catches up', () => {
    const clock = new FakeClock();
    let lagMs = 0;
    const a = new HelloAdmission({ ratePerSec: 100, burst: 10, clock, jitter: 0, loopLagMs: () => lagMs, maxLoopLagMs: 500 });
    expect(a.admit().type).toBe('admitted');
    lagMs = 800;
    const shed = admitMany(a, 3);
    expect(shed.every((r) => r.type === 'shed')).toBe(true);
    // No sooner than the loop can have caught up (its lag), then one slot apart.
    expect(shed.map(retry)).toEqual([800, 810, 820]);
    lagMs = 100;
    expect(a.admit().type).toBe('admitted');
  });

  it('hello admission - rate 0 admits everything', () => {
    const a = new HelloAdmission({ ratePerSec: 0, burst: 1, clock: new FakeClock() });
    expect(admitMany(a, 10_000).every((r) => r.type === 'admitted')).toBe(true);
  });

  it('hello admission - bad options are refused naming the field and value', () => {
    const clock = new FakeClock();
    expect(() => new HelloAdmission({ ratePerSec: -1, burst: 1, clock })).toThrow(/ratePerSec.*-1/);
    expect(() => new HelloAdmission({ ratePerSec: 1, burst: 0, clock })).toThrow(/burst.*0/);
  });

  it('hello admission - the restart grace covers admitting every known host at the rate, with headroom', () => {
    expect(admissionGraceMs(10_000, 400)).toBe(37_500);
    expect(admissionGraceMs(100, 400)).toBe(375);
    expect(admissionGraceMs(10_000, 0)).toBe(0);
    expect(admissionGraceMs(0, 400)).toBe(0);
  });
});
