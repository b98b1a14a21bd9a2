import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test-fixtures/helpers.js';
import { makeStandin, systemdSpec, type Standin } from '../../test-fixtures/standin.js';
import { SystemdManager } from '../services/systemd.js';
import type { RecoveryEvent } from './events.js';
import { ServiceWatcher } from './watcher.js';

/**
 * The runbook's steps as systemctl command sequences, against the recording stand-in
 * (real time, short settings; these machines have no systemd).
 */

let standin: Standin;
let watcher: ServiceWatcher | undefined;

beforeEach(() => {
  standin = makeStandin();
});

afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  rmSync(standin.dir, { recursive: true, force: true });
});

async function recoverFailedUnit(recovery: Record<string, unknown> = {}): Promise<RecoveryEvent[]> {
  standin.setUnit({ state: 'failed' });
  const spec = systemdSpec({ recovery: { watchAfterRestart: '300ms', stableAfterStart: '100ms', startTimeout: '600ms', gracefulStopTimeout: '1s', ...recovery } }, 100);
  const manager = new SystemdManager(spec, { env: standin.env, cgroupRoots: [standin.cgroupRoot], pollMs: 20 });
  watcher = new ServiceWatcher({ service: spec, manager, intervalMs: 100, pollMs: 20 });
  const events: RecoveryEvent[] = [];
  watcher.onEvent((e) => events.push(e));
  await watcher.start();
  await waitFor(() => events.some((e) => e.type === 'recovery_succeeded' || e.type === 'recovery_failed'), 15_000, 'the recovery to end');
  return events;
}

const stepOutcomes = (events: RecoveryEvent[]) => events.flatMap((e) => (e.type === 'step_succeeded' || e.type === 'step_failed' ? [`${e.step} ${e.type === 'step_succeeded' ? 'ok' : 'failed'}`] : []));

describe('recovery steps on systemd (recording stand-in)', () => {
  it('step_1_graceful_restart - stop, start; verified active and watched', async () => {
    standin.afterStart(['active']);
    const events = await recoverFailedUnit();
    expect(stepOutcomes(events)).toEqual(['step_1_graceful_restart ok']);
    expect(standin.actions()).toEqual(['systemctl stop --no-block nginx.service', 'systemctl start --no-block nginx.service']);
  });

  it('step_2_force_restart - after step 1 fails: kill own pids, reset-failed, start', async () => {
    standin.afterStart(['failed', 'active']);
    const events = await recoverFailedUnit();
    expect(stepOutcomes(events)).toEqual(['step_1_graceful_restart failed', 'step_2_force_restart ok']);
    expect(standin.actions()).toEqual([
      'systemctl stop --no-block nginx.service',
      'systemctl start --no-block nginx.service',
      'systemctl reset-failed nginx.service',
      'systemctl start --no-block nginx.service',
    ]);
  });

  it('step_3_system_recovery - daemon-reload, restart, then 5 minutes of journal without error patterns', async () => {
    standin.afterStart(['failed', 'failed', 'active']);
    standin.journal([{ message: 'Started nginx.service - A high performance web server and a reverse proxy server.', atMs: Date.now() }]);
    const before = Date.now();
    const events = await recoverFailedUnit();
    expect(stepOutcomes(events)).toEqual(['step_1_graceful_restart failed', 'step_2_force_restart failed', 'step_3_system_recovery ok']);
    const actions = standin.actions();
    expect(actions.slice(0, 6)).toEqual([
      'systemctl stop --no-block nginx.service',
      'systemctl start --no-block nginx.service',
      'systemctl reset-failed nginx.service',
      'systemctl start --no-block nginx.service',
      'systemctl daemon-reload',
      'systemctl restart --no-block nginx.service',
    ]);
    expect(actions).toHaveLength(7);
    const since = Number(/^journalctl -u nginx\.service -o json --all --no-pager --since @(\d+)$/.exec(actions[6]!)?.[1]);
    expect(since).toBeGreaterThanOrEqual(Math.floor((before - 5 * 60_000) / 1000));
    expect(since).toBeLessThanOrEqual(Math.ceil((Date.now() - 5 * 60_000) / 1000));
    expect(events.find((e) => e.type === 'step_succeeded')?.detail).toMatch(/no error pattern in 1 log lines$/);
  });

  it('step_3_system_recovery - an error pattern in the journal fails it; with the budget spent, nothing more is done', async () => {
    standin.afterStart(['failed']);
    standin.journal([{ message: 'Failed to parse config /etc/nginx/nginx.conf: unexpected "}" in line 12', atMs: Date.now() }]);
    const events = await recoverFailedUnit({ budget: { max: 1 } });
    expect(stepOutcomes(events)).toEqual(['step_1_graceful_restart failed', 'step_2_force_restart failed', 'step_3_system_recovery failed']);
    expect(events.find((e) => e.type === 'step_failed' && e.step === 'step_3_system_recovery')?.detail).toContain('Failed to parse config /etc/nginx/nginx.conf');
    await waitFor(() => events.some((e) => e.type === 'recovery_exhausted'), 5_000, 'recovery_exhausted');
    // Still polled (status keeps being reported), but no further action.
    const actions = standin.actions().length;
    const shows = standin.calls().length - actions;
    await waitFor(() => standin.calls().length - standin.actions().length >= shows + 5, 5_000, 'five more status polls');
    expect(standin.actions()).toHaveLength(actions);
    expect(events.filter((e) => e.type === 'recovery_started')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'recovery_exhausted')).toHaveLength(1);
  });

  it('step failures - a systemctl error fails the step with its stderr and moves on', async () => {
    standin.afterStart(['active']);
    writeFileSync(join(standin.dir, 'fail-stop'), 'Failed to stop nginx.service: Access denied\n');
    const events = await recoverFailedUnit();
    expect(events.find((e) => e.type === 'step_failed')?.detail).toContain('Access denied');
    expect(stepOutcomes(events)).toEqual(['step_1_graceful_restart failed', 'step_2_force_restart ok']);
  });
});
