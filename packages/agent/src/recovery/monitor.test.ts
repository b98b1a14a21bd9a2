import { describe, expect, it } from 'vitest';
import { RecoveryMonitor } from './monitor.js';

describe('post-recovery monitor', () => {
  it('monitor - two failed samples in a row are a recurrence', () => {
    const m = new RecoveryMonitor(30_000, 600_000, 2);
    m.begin(0);
    expect(m.sample(true, 30_000)).toEqual({ outcome: 'continue', consecutiveFailures: 1 });
    expect(m.sample(false, 60_000)).toEqual({ outcome: 'continue', consecutiveFailures: 0 });
    expect(m.sample(true, 90_000).outcome).toBe('continue');
    expect(m.sample(true, 120_000)).toEqual({ outcome: 'recurrence', consecutiveFailures: 2 });
    expect(m.active).toBe(false);
  });

  it('monitor - ends stable after its duration', () => {
    const m = new RecoveryMonitor(30_000, 90_000, 2);
    m.begin(0);
    expect(m.sample(false, 30_000).outcome).toBe('continue');
    expect(m.sample(true, 60_000).outcome).toBe('continue');
    expect(m.sample(false, 90_000)).toEqual({ outcome: 'stable', consecutiveFailures: 0 });
    expect(m.active).toBe(false);
  });

  it('monitor - a recovery during monitoring extends it and keeps the failure count', () => {
    const m = new RecoveryMonitor(30_000, 60_000, 2);
    expect(m.begin(0)).toBe('started');
    m.sample(true, 30_000);
    expect(m.begin(40_000)).toBe('extended');
    expect(m.until).toBe(100_000);
    expect(m.sample(true, 60_000).outcome).toBe('recurrence');
  });

  it('monitor - samples while inactive do nothing', () => {
    const m = new RecoveryMonitor(30_000, 60_000, 2);
    expect(m.sample(true, 0)).toEqual({ outcome: 'continue', consecutiveFailures: 0 });
  });
});
