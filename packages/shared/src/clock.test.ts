import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';

/** The built module (`tsc -b` runs before the tests): the child is plain Node. */
const CLOCK_JS = fileURLToPath(new URL('../dist/clock.js', import.meta.url));

describe('systemClock', () => {
  it('a cleared timer does not wake the process at its due time (Node keeps the list of an unref\'d one)', () => {
    // NODE_DEBUG=timer prints every timer list the event loop processes: a list of 300 ms
    // processed at all means a wake-up for a timer that was cleared long before.
    const script = `
      const { systemClock } = await import(${JSON.stringify(CLOCK_JS)});
      const t = systemClock.setTimeout(() => console.log('fired'), 300);
      setTimeout(() => systemClock.clearTimeout(t), 10);
      setTimeout(() => {}, 600);
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_DEBUG: 'timer' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('fired');
    expect(run.stderr).toMatch(/timeout callback 600/);
    expect(run.stderr).not.toMatch(/timeout callback 300\b/);
  });
});

describe('FakeClock', () => {
  it('clearTimeout - a cleared timer never runs', () => {
    const clock = new FakeClock(0);
    let ran = false;
    const t = clock.setTimeout(() => (ran = true), 100);
    clock.clearTimeout(t);
    clock.advance(1_000);
    expect(ran).toBe(false);
  });
});
