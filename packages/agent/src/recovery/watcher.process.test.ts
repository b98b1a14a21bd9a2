import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, GroupTracker, httpGet, script, waitFor } from '../../test-fixtures/helpers.js';
import type { ServiceStatus } from '../services/manager.js';
import { ProcessManager } from '../services/process.js';
import { parseServices, type ProcessServiceSpec } from '../services/schema.js';
import type { RecoveryEvent, RecoveryEventType } from './events.js';
import { ServiceWatcher } from './watcher.js';

/**
 * End to end with real child processes and real time: the fixture services of
 * test-fixtures/, short windows set through the settings (the logic is the same).
 */

/** Counts what the watcher asks of the real manager, so a test can wait for polls instead of sleeping. */
class CountingManager extends ProcessManager {
  statusCalls = 0;
  starts = 0;
  override async status(): Promise<ServiceStatus> {
    this.statusCalls++;
    return super.status();
  }
  override async start(): Promise<void> {
    this.starts++;
    return super.start();
  }
}

const tracker = new GroupTracker();
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  // No child of these tests may survive them.
  expect(await tracker.killAll()).toEqual([]);
});

interface Running {
  watcher: ServiceWatcher;
  manager: CountingManager;
  events: RecoveryEvent[];
  types: (only?: RecoveryEventType[]) => RecoveryEventType[];
  waitForEvent: (type: RecoveryEventType, count?: number, timeoutMs?: number) => Promise<void>;
}

async function watch(opts: { script: string; port: number; env?: Record<string, string>; http?: Record<string, unknown>; recovery?: Record<string, unknown>; intervalMs?: number }): Promise<Running> {
  const [spec] = parseServices(
    [
      {
        name: opts.script.replace('.mjs', ''),
        manager: 'process',
        command: [process.execPath, script(opts.script)],
        env: { PORT: String(opts.port), ...opts.env },
        checks: [{ type: 'http', url: `http://127.0.0.1:${opts.port}/`, timeout: '1s', interval: `${opts.intervalMs ?? 200}ms`, ...opts.http }],
        recovery: { gracefulStopTimeout: '1s', watchAfterRestart: '500ms', stableAfterStart: '200ms', startTimeout: '5s', monitorEvery: '1s', monitorFor: '3s', ...opts.recovery },
      },
    ],
    { defaultIntervalMs: opts.intervalMs ?? 200 },
  );
  const manager = new CountingManager(spec as ProcessServiceSpec);
  const watcher = new ServiceWatcher({ service: spec!, manager, intervalMs: opts.intervalMs ?? 200, pollMs: 20 });
  const events: RecoveryEvent[] = [];
  watcher.onEvent((e) => {
    events.push(e);
    if (e.type === 'status_changed') tracker.add(e.pids[0]);
  });
  manager.onExit((n) => tracker.add(n.pid));
  cleanups.push(async () => {
    await watcher.stop();
    await manager.close();
  });
  await watcher.start();
  tracker.add((await manager.pids())[0]);
  const types = (only?: RecoveryEventType[]) => events.map((e) => e.type).filter((t) => !only || only.includes(t));
  const waitForEvent = async (type: RecoveryEventType, count = 1, timeoutMs = 15_000) => {
    await waitFor(() => events.filter((e) => e.type === type).length >= count, timeoutMs, `${count} × ${type}`);
  };
  return { watcher, manager, events, types, waitForEvent };
}

const RECOVERY: RecoveryEventType[] = ['status_changed', 'recovery_started', 'step_started', 'step_succeeded', 'step_failed', 'recovery_succeeded', 'recovery_failed', 'recovery_exhausted'];

describe('ServiceWatcher with real processes', () => {
  // How fast (the runbook's 0.5 s plus the service's own start time) is measured by
  // bench/recovery/kill-restart.mjs; here, that the restart comes from the exit notice.
  it('kill -9 - the http fixture is restarted from the exit notice and serves again, steps reported in order', async () => {
    const port = await freePort();
    // Status polls and checks 10 s apart: a recovery well before then came from the exit notice.
    const s = await watch({ script: 'http-server.mjs', port, intervalMs: 10_000 });
    const before = await waitFor(() => httpGet(port), 5_000, 'the service to serve');
    expect(before.status).toBe(200);
    const oldPid = before.pid!;
    const mark = s.events.length;

    const t0 = performance.now();
    process.kill(oldPid, 'SIGKILL');
    const after = await waitFor(async () => {
      const r = await httpGet(port, 100);
      return r?.status === 200 && r.pid !== oldPid ? r : undefined;
    }, 5_000, 'a new instance to serve', 2);
    const servingAgainMs = performance.now() - t0;
    console.log(`kill -9 to serving again: ${servingAgainMs.toFixed(0)} ms`);
    expect(servingAgainMs).toBeLessThan(5_000);
    tracker.add(after.pid);

    await s.waitForEvent('recovery_succeeded');
    const recovery = s.events.slice(mark).filter((e) => RECOVERY.includes(e.type));
    // A status poll may land between the steps on a busy machine: the steps' order is what counts.
    expect(recovery.filter((e) => e.type !== 'status_changed').map((e) => e.type)).toEqual(['recovery_started', 'step_started', 'step_succeeded', 'recovery_succeeded']);
    expect(recovery[0]).toMatchObject({ type: 'status_changed', from: 'running', to: 'failed', detail: 'failed: killed by signal SIGKILL' });
    expect(recovery.find((e) => e.type === 'step_succeeded')).toMatchObject({ step: 'step_1_graceful_restart', detail: expect.stringMatching(/^nothing left to stop; running/) });
    // acted on the exit, not at the next poll 10 s away
    expect(recovery.find((e) => e.type === 'recovery_started')!.at - t0 - performance.timeOrigin).toBeLessThan(5_000);
    await waitFor(() => s.watcher.snapshot().state === 'running' || undefined, 2_000, 'the snapshot to show running');
    expect(s.watcher.snapshot()).toMatchObject({ state: 'running', pids: [after.pid], recovering: false, budget: { used: 1 } });
  });

  it('config error - all three steps fail each time; after the budget: recovery_exhausted, then left alone', async () => {
    const port = await freePort();
    const s = await watch({ script: 'fail-parse.mjs', port, recovery: { startTimeout: '2s' } });
    await s.waitForEvent('recovery_exhausted', 1, 25_000);
    const perRecovery = ['recovery_started', 'step_started', 'step_failed', 'step_started', 'step_failed', 'step_started', 'step_failed', 'recovery_failed'];
    expect(s.types(['recovery_started', 'step_started', 'step_succeeded', 'step_failed', 'recovery_succeeded', 'recovery_failed', 'recovery_exhausted'])).toEqual([
      ...perRecovery,
      ...perRecovery,
      ...perRecovery,
      'recovery_exhausted',
    ]);
    const step3 = s.events.filter((e): e is Extract<RecoveryEvent, { type: 'step_failed' }> => e.type === 'step_failed' && e.step === 'step_3_system_recovery');
    expect(step3).toHaveLength(3);
    for (const e of step3) expect(e.detail).toContain('Failed to parse config /etc/fixture/config.yml');
    // 1 initial start + 3 recoveries × (step 1 start, step 2 start, step 3 restart)
    expect(s.manager.starts).toBe(10);

    const polls = s.manager.statusCalls;
    await waitFor(() => s.manager.statusCalls >= polls + 5, 5_000, 'five more status polls');
    expect(s.manager.starts).toBe(10);
    expect(s.types(['recovery_exhausted'])).toHaveLength(1);
    await waitFor(() => s.watcher.snapshot().state === 'failed' && !s.watcher.snapshot().recovering, 5_000, 'the snapshot to show the service down and left alone');
    expect(s.watcher.snapshot()).toMatchObject({ state: 'failed', recovering: false, budget: { used: 3, max: 3, exhausted: true } });
  });

  it('hanging service - the http check fails twice, then step 1 (SIGTERM ignored, killed after the grace) recovers it', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-hang-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const s = await watch({
      script: 'hang.mjs',
      port,
      env: { HANG_ONCE_MARKER: join(dir, 'hung-once') },
      http: { timeout: '300ms', interval: '200ms', failuresBeforeCritical: 2 },
      recovery: { startTimeout: '1s', gracefulStopTimeout: '300ms' },
    });
    await s.waitForEvent('recovery_succeeded');
    expect(s.types(['check_failed', 'recovery_started', 'step_started', 'step_succeeded', 'step_failed', 'recovery_succeeded'])).toEqual([
      'check_failed',
      'check_failed',
      'recovery_started',
      'step_started',
      'step_succeeded',
      'recovery_succeeded',
    ]);
    const failed = s.events.filter((e): e is Extract<RecoveryEvent, { type: 'check_failed' }> => e.type === 'check_failed');
    expect(failed.map((e) => [e.consecutiveFailures, e.critical])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(failed[0]!.detail).toBe('no complete response within 300 ms');
    const started = s.events.find((e): e is Extract<RecoveryEvent, { type: 'recovery_started' }> => e.type === 'recovery_started')!;
    expect(started.reason).toMatch(/^check http http:\/\/127\.0\.0\.1:\d+\/ failed 2 times in a row: no complete response within 300 ms$/);
    const step = s.events.find((e) => e.type === 'step_succeeded')!;
    expect(step.detail).toMatch(/killed after the grace period/);
    expect((await httpGet(port))?.status).toBe(200);
  });

  it('service dying every 2 s - restarted 3 times, then left alone and reported', async () => {
    const port = await freePort();
    const s = await watch({
      script: 'die-every.mjs',
      port,
      env: { DIE_AFTER_MS: '2000' },
      recovery: { watchAfterRestart: '300ms', stableAfterStart: '100ms', budget: { max: 3, window: '1m' } },
    });
    await s.waitForEvent('recovery_exhausted', 1, 20_000);
    expect(s.types(['recovery_succeeded', 'recovery_failed', 'recovery_exhausted'])).toEqual(['recovery_succeeded', 'recovery_succeeded', 'recovery_succeeded', 'recovery_exhausted']);
    expect(s.manager.starts).toBe(4); // the first start and 3 restarts
    const exhausted = s.events.find((e): e is Extract<RecoveryEvent, { type: 'recovery_exhausted' }> => e.type === 'recovery_exhausted')!;
    expect(exhausted).toMatchObject({ used: 3, max: 3, windowMs: 60_000 });
    // Whichever notices the 4th death first: the exit, or (on a loaded machine, when the port
    // closes well before the exit) the http check's two failures.
    expect(exhausted.detail).toMatch(/not acting on: (service failed: exited with code 3|check http \S+ failed 2 times in a row: connect ECONNREFUSED \S+)$/);

    const polls = s.manager.statusCalls;
    await waitFor(() => s.manager.statusCalls >= polls + 5, 5_000, 'five more status polls');
    expect(s.manager.starts).toBe(4);
    expect(s.types(['recovery_exhausted'])).toHaveLength(1);
    await waitFor(() => s.watcher.snapshot().state === 'failed', 5_000, 'the snapshot to show the service down');
    expect(s.watcher.snapshot()).toMatchObject({ state: 'failed', detail: 'exited with code 3', budget: { used: 3, exhausted: true } });
  });

  it('requestRecovery - a coordinator-initiated recovery replaces a healthy instance', async () => {
    const port = await freePort();
    const s = await watch({ script: 'http-server.mjs', port });
    const oldPid = (await waitFor(() => httpGet(port), 5_000, 'the service to serve')).pid;
    const req = s.watcher.requestRecovery('unreachable from 2 peers');
    if (!req.accepted) throw new Error(req.message);
    const outcome = await req.outcome;
    expect(outcome).toMatchObject({ ok: true, step: 'step_1_graceful_restart', detail: expect.stringMatching(/^stopped in \d+ ms; running/) });
    const now = await httpGet(port);
    tracker.add(now?.pid);
    expect(now?.status).toBe(200);
    expect(now?.pid).not.toBe(oldPid);
  });

  it('address in use - another process holds the port: one recovery, stopped after step 1 naming the holder, then held (no restart loop)', async () => {
    const port = await freePort();
    // Someone else serves on the service's port (an orphaned copy, another program).
    const holder = spawn(process.execPath, [script('http-server.mjs')], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
    cleanups.push(() => void holder.kill('SIGKILL'));
    await waitFor(() => httpGet(port), 5_000, 'the holder to serve');
    const s = await watch({ script: 'http-server.mjs', port, recovery: { startTimeout: '2s' } });
    await s.waitForEvent('recovery_exhausted', 1, 15_000);
    expect(s.types(['recovery_started', 'step_started', 'step_failed', 'step_succeeded', 'recovery_failed', 'recovery_exhausted'])).toEqual([
      'recovery_started',
      'step_started',
      'step_failed',
      'recovery_failed',
      'recovery_exhausted',
    ]);
    const failed = s.events.find((e) => e.type === 'step_failed')!;
    expect(failed.detail).toContain(`address already in use: port ${port} is held by pid ${holder.pid} (`);
    expect(s.events.find((e) => e.type === 'recovery_exhausted')!.detail).toMatch(/^not restarting http-server again: address already in use/);
    // Held: polls go on, nothing is started again, one recovery spent.
    const polls = s.manager.statusCalls;
    await waitFor(() => s.manager.statusCalls >= polls + 5, 5_000, 'five more status polls');
    expect(s.manager.starts).toBe(2); // the first start and step 1's
    expect(s.watcher.snapshot()).toMatchObject({ phase: 'budget_spent', state: 'failed', budget: { used: 1, exhausted: false } });
    expect(s.watcher.requestRecovery('from a peer')).toMatchObject({ accepted: false, reason: 'address_in_use' });
  });
});
