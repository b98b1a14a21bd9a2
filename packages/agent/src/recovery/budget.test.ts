import { describe, expect, it } from 'vitest';
import { RecoveryBudget } from './budget.js';

const MIN = 60_000;

describe('recovery budget', () => {
  it('budget - three recoveries, then spent; exhaustion is reported once', () => {
    const b = new RecoveryBudget(3, 15 * MIN);
    expect([b.consume(), b.consume(), b.consume()]).toEqual([true, true, true]);
    expect(b.exhausted).toBe(true);
    expect(b.consume()).toBe(false);
    expect(b.used).toBe(3);
    expect(b.takeExhaustionNotice()).toBe(true);
    expect(b.takeExhaustionNotice()).toBe(false);
  });

  it('budget - a successful restart does not give the budget back (Monit flaw)', () => {
    const b = new RecoveryBudget(3, 15 * MIN);
    let t = 0;
    for (let i = 0; i < 3; i++) {
      b.consume();
      // up and healthy for 14 minutes after each restart, then down again
      for (let m = 0; m <= 14; m++) expect(b.observe(true, (t += MIN))).toBeUndefined();
      b.observe(false, (t += MIN));
    }
    expect(b.exhausted).toBe(true);
  });

  it('budget - resets only after a whole window of stability', () => {
    const b = new RecoveryBudget(3, 15 * MIN);
    b.consume();
    b.consume();
    expect(b.observe(true, 0)).toBeUndefined();
    expect(b.observe(true, 15 * MIN - 1)).toBeUndefined();
    expect(b.observe(true, 15 * MIN)).toEqual({ stableForMs: 15 * MIN, used: 2 });
    expect(b.used).toBe(0);
  });

  it('budget - one bad observation restarts the stability clock', () => {
    const b = new RecoveryBudget(3, 15 * MIN);
    b.consume();
    b.observe(true, 0);
    b.observe(false, 10 * MIN);
    b.observe(true, 11 * MIN);
    expect(b.observe(true, 25 * MIN)).toBeUndefined();
    expect(b.observe(true, 26 * MIN)).toEqual({ stableForMs: 15 * MIN, used: 1 });
  });

  it('budget - a recovery also breaks the stable streak', () => {
    const b = new RecoveryBudget(3, 15 * MIN);
    b.consume();
    b.observe(true, 0);
    b.consume();
    expect(b.observe(true, 15 * MIN)).toBeUndefined();
  });

  it('budget - after a reset, exhaustion can be reported again', () => {
    const b = new RecoveryBudget(1, MIN);
    b.consume();
    expect(b.takeExhaustionNotice()).toBe(true);
    b.observe(true, 0);
    b.observe(true, MIN);
    b.consume();
    expect(b.takeExhaustionNotice()).toBe(true);
  });

  it('budget - refuses nonsense settings', () => {
    expect(() => new RecoveryBudget(0, MIN)).toThrow(/max/);
    expect(() => new RecoveryBudget(1, 0)).toThrow(/window/);
  });
});
