import { FakeClock } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { advance, FakeCheck, settle } from '../../test-fixtures/fakes.js';
import { Cadence } from '../cadence.js';
import { parseServices, type CheckSpec } from '../services/schema.js';
import type { CheckContext, CheckResult } from './check.js';
import { CheckScheduler } from './scheduler.js';

function specOf(): CheckSpec {
  const [svc] = parseServices([{ name: 'svc', manager: 'systemd', unit: 'svc.service', checks: [{ type: 'tcp', port: 1, interval: '5s' }] }], { defaultIntervalMs: 5_000 });
  return svc!.checks[0]!;
}

function build(check: FakeCheck | { name: string; type: 'tcp'; run(ctx: CheckContext): Promise<CheckResult> }) {
  const clock = new FakeClock(0);
  const verdicts: string[] = [];
  const scheduler = new CheckScheduler([{ spec: specOf(), check }], {
    clock,
    cadence: new Cadence(clock),
    context: { pids: async () => [] },
    notifier: { onResult: (c, r, v) => verdicts.push(`${c.name} ${r.ok ? 'ok' : 'fail'} ${v.state}`) },
  });
  return { clock, scheduler, verdicts };
}

describe('CheckScheduler', () => {
  it('scheduler - each check runs on its own loop every interval and reports through the notifier', async () => {
    const check = new FakeCheck('tcp 1', 'tcp');
    const { clock, scheduler, verdicts } = build(check);
    scheduler.start();
    await advance(clock, 15_000);
    expect(check.runs).toBe(3);
    check.ok = false;
    await advance(clock, 10_000);
    expect(verdicts).toEqual(['tcp 1 ok passing', 'tcp 1 ok passing', 'tcp 1 ok passing', 'tcp 1 fail passing', 'tcp 1 fail failing']);
    expect(scheduler.failing()?.name).toBe('tcp 1');
    scheduler.reset();
    expect(scheduler.failing()).toBeUndefined();
    scheduler.stop();
    await advance(clock, 20_000);
    expect(check.runs).toBe(5);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('scheduler - a result still under way when the loop stops is dropped, not judged', async () => {
    let release!: (r: CheckResult) => void;
    const slow = { name: 'slow', type: 'tcp' as const, run: () => new Promise<CheckResult>((r) => (release = r)) };
    const { scheduler, verdicts } = build(slow);
    const pending = scheduler.runAll();
    scheduler.stop();
    release({ ok: false, detail: 'refused', durationMs: 1 });
    expect(await pending).toEqual([undefined]);
    await settle();
    expect(verdicts).toEqual([]);
    expect(scheduler.views()[0]).toMatchObject({ consecutiveFailures: 0, state: 'passing' });
  });
});
