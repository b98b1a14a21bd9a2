import { Writable } from 'node:stream';
import { FakeClock } from '@vigil/shared';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { advance, FakeCheck, FakeManager } from '../../test-fixtures/fakes.js';
import { parseServices } from '../services/schema.js';
import { logRecoveryEvent } from './log.js';
import { ServiceWatcher } from './watcher.js';

const SEC = 1_000;
const watchers: ServiceWatcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.stop();
});

/** A pino logger writing JSON lines into an array, as the agent's does to stderr. */
function capture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('recovery log', () => {
  it('log - each step, outcome and budget change is a structured line naming the service, up to exhaustion', async () => {
    const clock = new FakeClock();
    const [service] = parseServices([{ name: 'api', manager: 'systemd', unit: 'api.service', checks: [{ type: 'http', url: 'http://127.0.0.1:8080/' }], recovery: { budget: { max: 2 } } }], { defaultIntervalMs: 5 * SEC });
    const manager = new FakeManager(clock, 'systemd', 'api');
    const watcher = new ServiceWatcher({ service: service!, manager, clock, intervalMs: 5 * SEC, checkFactory: () => new FakeCheck('http') });
    watchers.push(watcher);
    const { logger, lines } = capture();
    watcher.onEvent((e) => logRecoveryEvent(logger, e, watcher.budgetFigures));
    await watcher.start();
    // First recovery works (step 1); then every start fails: step 1, 2, 3 fail, then the budget is spent.
    manager.crash('failed (failed), result exit-code');
    await advance(clock, 45 * SEC);
    manager.onStart = () => {
      manager.state = 'failed';
      manager.since = clock.now();
    };
    manager.crash('failed (failed), result exit-code');
    await advance(clock, 30 * SEC);
    await new Promise((r) => setImmediate(r));

    const recovery = lines.filter((l) => typeof l.event === 'string' && /^(recovery|step)_/.test(l.event as string));
    expect(recovery.map((l) => [l.event, l.level === 40 ? 'warn' : 'info', l.step ?? '', l.outcome ?? ''])).toEqual([
      ['recovery_started', 'warn', '', ''],
      ['step_started', 'info', 'step_1_graceful_restart', ''],
      ['step_succeeded', 'info', 'step_1_graceful_restart', 'succeeded'],
      ['recovery_succeeded', 'info', 'step_1_graceful_restart', 'recovered'],
      ['recovery_started', 'warn', '', ''],
      ['step_started', 'info', 'step_1_graceful_restart', ''],
      ['step_failed', 'warn', 'step_1_graceful_restart', 'failed'],
      ['step_started', 'info', 'step_2_force_restart', ''],
      ['step_failed', 'warn', 'step_2_force_restart', 'failed'],
      ['step_started', 'info', 'step_3_system_recovery', ''],
      ['step_failed', 'warn', 'step_3_system_recovery', 'failed'],
      ['recovery_failed', 'warn', '', 'failed'],
      ['recovery_exhausted', 'warn', '', 'exhausted'],
    ]);
    for (const l of recovery) expect(l.service).toBe('api');
    expect(recovery[0]).toMatchObject({ budgetUsed: 1, budgetMax: 2, origin: 'auto', msg: 'api: recovery started (recovery 1 of 2: service failed: failed (failed), result exit-code)' });
    expect(recovery[3]).toMatchObject({ budgetUsed: 1, budgetMax: 2, timeToServingMs: 0, msg: expect.stringMatching(/^api: recovered by step_1_graceful_restart: serving again after 0 ms \(verified after \d+ ms\); budget 1 of 2 used$/) });
    expect(recovery[11]).toMatchObject({ budgetUsed: 2, budgetMax: 2 });
    expect(recovery[12]).toMatchObject({ budgetUsed: 2, budgetMax: 2, msg: expect.stringMatching(/^api: not acting any more: recovery budget of api is spent: 2 of 2 used/) });
    // The status changes that led there are in the log too.
    expect(lines.filter((l) => l.event === 'status_changed' && l.to === 'failed')).not.toHaveLength(0);

    // An operator's reset is a budget change with its request id.
    watcher.resetBudget('fixed by hand', 'req-42');
    await new Promise((r) => setImmediate(r));
    expect(lines.find((l) => l.event === 'budget_reset')).toMatchObject({ level: 30, service: 'api', requestId: 'req-42', forgiven: 2, budgetUsed: 0, budgetMax: 2 });
  });
});
