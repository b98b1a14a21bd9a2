import { describe, expect, it } from 'vitest';
import type { HealthCheck } from './check.js';
import { Hysteresis, HysteresisCheck } from './hysteresis.js';

describe('hysteresis', () => {
  it('hysteresis - failing only after N consecutive failures', () => {
    const h = new Hysteresis({ failuresBeforeCritical: 2, successesBeforePassing: 2 });
    expect(h.record(false)).toEqual({ state: 'passing', changed: false, consecutiveFailures: 1, consecutiveSuccesses: 0 });
    expect(h.record(true).state).toBe('passing'); // the streak is broken
    expect(h.record(false).state).toBe('passing');
    expect(h.record(false)).toEqual({ state: 'failing', changed: true, consecutiveFailures: 2, consecutiveSuccesses: 0 });
    expect(h.record(false)).toMatchObject({ state: 'failing', changed: false, consecutiveFailures: 3 });
  });

  it('hysteresis - passing again only after M consecutive passes', () => {
    const h = new Hysteresis({ failuresBeforeCritical: 1, successesBeforePassing: 3 });
    expect(h.record(false).state).toBe('failing');
    expect(h.record(true).state).toBe('failing');
    expect(h.record(true).state).toBe('failing');
    expect(h.record(false).state).toBe('failing');
    h.record(true);
    h.record(true);
    expect(h.record(true)).toEqual({ state: 'passing', changed: true, consecutiveFailures: 0, consecutiveSuccesses: 3 });
  });

  it('hysteresis - reset forgets the history', () => {
    const h = new Hysteresis({ failuresBeforeCritical: 1 });
    h.record(false);
    h.reset();
    expect(h.state).toBe('passing');
    expect(h.consecutiveFailures).toBe(0);
  });

  it('HysteresisCheck - judges each run of the wrapped check', async () => {
    const results = [false, false, true, true];
    const check: HealthCheck = { name: 'c', type: 'tcp', run: async () => ({ ok: results.shift()!, detail: 'd', durationMs: 1 }) };
    const hc = new HysteresisCheck(check, { failuresBeforeCritical: 2, successesBeforePassing: 2 });
    const states = [];
    for (let i = 0; i < 4; i++) states.push((await hc.run({ pids: async () => [] })).state);
    expect(states).toEqual(['passing', 'failing', 'failing', 'passing']);
    expect(hc.name).toBe('c');
  });
});
