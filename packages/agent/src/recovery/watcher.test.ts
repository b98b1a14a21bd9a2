import { FakeClock } from '@vigil/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { advance, FakeCheck, FakeManager, settle } from '../../test-fixtures/fakes.js';
import { Cadence } from '../cadence.js';
import { parseServices } from '../services/schema.js';
import type { RecoveryEvent, RecoveryEventType } from './events.js';
import type { BudgetRecord, BudgetStore } from './budget-store.js';
import { ServiceWatcher } from './watcher.js';

const SEC = 1_000;
const MIN = 60 * SEC;

interface Setup {
  clock: FakeClock;
  manager: FakeManager;
  check: FakeCheck;
  watcher: ServiceWatcher;
  events: RecoveryEvent[];
  types: (filter?: RecoveryEventType[]) => RecoveryEventType[];
  of: <T extends RecoveryEventType>(type: T) => Extract<RecoveryEvent, { type: T }>[];
}

const watchers: ServiceWatcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.stop();
});

/** A watched service on a fake clock: agent interval 5 s, one http check, the runbook's defaults unless overridden. */
async function setup(opts: { kind?: 'systemd' | 'process'; recovery?: Record<string, unknown>; onError?: (err: unknown, where: string) => void; budgetStore?: BudgetStore } = {}): Promise<Setup> {
  const kind = opts.kind ?? 'systemd';
  const clock = new FakeClock();
  const [service] = parseServices(
    [
      {
        name: 'svc',
        manager: kind,
        ...(kind === 'systemd' ? { unit: 'svc.service' } : { command: ['svc'] }),
        checks: [{ type: 'http', url: 'http://127.0.0.1:8080/health' }],
        ...(opts.recovery ? { recovery: opts.recovery } : {}),
      },
    ],
    { defaultIntervalMs: 5 * SEC },
  );
  const manager = new FakeManager(clock, kind);
  const check = new FakeCheck('http http://127.0.0.1:8080/health');
  const watcher = new ServiceWatcher({ service: service!, manager, clock, intervalMs: 5 * SEC, checkFactory: () => check, ...(opts.onError ? { onError: opts.onError } : {}), ...(opts.budgetStore ? { budgetStore: opts.budgetStore } : {}) });
  watchers.push(watcher);
  const events: RecoveryEvent[] = [];
  watcher.onEvent((e) => events.push(e));
  await watcher.start();
  const types = (filter?: RecoveryEventType[]) => events.map((e) => e.type).filter((t) => !filter || filter.includes(t));
  const of = <T extends RecoveryEventType>(type: T) => events.filter((e): e is Extract<RecoveryEvent, { type: T }> => e.type === type);
  return { clock, manager, check, watcher, events, types, of };
}

const RECOVERY_TYPES: RecoveryEventType[] = ['recovery_started', 'step_started', 'step_succeeded', 'step_failed', 'recovery_succeeded', 'recovery_failed', 'recovery_exhausted'];

describe('ServiceWatcher (fake clock)', () => {
  it('recovery - a failed unit is found at the next poll and step 1 brings it back; events in order', async () => {
    const s = await setup();
    expect(s.types()).toEqual(['status_changed']);
    s.manager.crash('failed (failed), result exit-code');
    await advance(s.clock, 5 * SEC);
    expect(s.of('recovery_started')[0]).toMatchObject({ service: 'svc', origin: 'auto', attempt: 1, budgetMax: 3, reason: 'service failed: failed (failed), result exit-code' });
    await advance(s.clock, 40 * SEC);
    expect(s.types()).toEqual(['status_changed', 'status_changed', 'recovery_started', 'step_started', 'step_succeeded', 'recovery_succeeded', 'monitoring_started', 'status_changed']);
    expect(s.of('step_succeeded')[0]).toMatchObject({ step: 'step_1_graceful_restart' });
    // started, verified, stable for 1 s, then watched for the runbook's 30 s
    expect(s.of('step_succeeded')[0]!.durationMs).toBeGreaterThanOrEqual(31 * SEC);
    expect(s.manager.actions()).toEqual(['stop 5000', 'start']);
    expect(s.watcher.snapshot()).toMatchObject({ state: 'running', recovering: false, budget: { used: 1, max: 3, exhausted: false }, lastRecovery: { ok: true, step: 'step_1_graceful_restart' } });
  });

  it('recovery - time to serving and time to verified are reported apart; the summary names time to serving', async () => {
    const s = await setup();
    s.manager.crash('failed (failed), result exit-code');
    await advance(s.clock, 5 * SEC);
    const t0 = s.of('recovery_started')[0]!.at;
    await advance(s.clock, 40 * SEC);
    const done = s.of('recovery_succeeded')[0]!;
    // Up and passing at once on the fake clock; verified after the 1 s stable wait and the 30 s watch.
    expect(done.timeToServingMs).toBe(0);
    expect(done.timeToVerifiedMs).toBe(done.at - t0);
    expect(done.timeToVerifiedMs).toBeGreaterThanOrEqual(31 * SEC);
    expect(done.durationMs).toBe(done.timeToVerifiedMs);
    expect(done.detail).toBe(`recovered by step_1_graceful_restart: serving again after 0 ms (verified after ${done.timeToVerifiedMs} ms)`);
    expect(s.watcher.snapshot().lastRecovery).toMatchObject({ timeToServingMs: 0, timeToVerifiedMs: done.timeToVerifiedMs });
  });

  it('recovery - a process exit is acted on at once, without waiting for a poll', async () => {
    const s = await setup({ kind: 'process' });
    const t0 = s.clock.now();
    s.manager.crash();
    await settle();
    expect(s.of('recovery_started')).toHaveLength(1);
    expect(s.of('recovery_started')[0]!.at).toBe(t0);
    expect(s.manager.actions()).toEqual(['stop 5000', 'start']);
  });

  it('recovery - a crash just as a recovery succeeds is acted on at once, not at the next poll', async () => {
    const s = await setup({ kind: 'process', recovery: { budget: { max: 5 } } });
    let crashed = false;
    // The moment between "verified" and "no longer recovering": the exit listener ignores exits then.
    s.watcher.onEvent((e) => {
      if (e.type === 'recovery_succeeded' && !crashed) {
        crashed = true;
        s.manager.crash();
      }
    });
    s.manager.crash();
    await settle();
    // Step 1 of the first recovery: stop, start, stable 1 s, watched 30 s.
    await advance(s.clock, 31 * SEC + 500);
    expect(crashed).toBe(true);
    const at = s.of('recovery_succeeded')[0]!.at;
    await settle();
    expect(s.of('recovery_started')).toHaveLength(2);
    expect(s.of('recovery_started')[1]!.at).toBe(at);
    expect(s.of('recovery_started')[1]!.reason).toMatch(/^service failed/);
  });

  it('recovery - a check that fails because the process died does not win over the exit: the recovery names the exit', async () => {
    const s = await setup({ kind: 'process' });
    s.check.ok = false;
    await advance(s.clock, 5 * SEC); // one failed check: not critical yet
    expect(s.of('check_failed')).toHaveLength(1);
    // The status read the exit starts is slow; meanwhile the check fails a second time.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const status = s.manager.status.bind(s.manager);
    s.manager.status = async () => {
      await gate;
      return status();
    };
    try {
      s.manager.crash('exited with code 3');
      await advance(s.clock, 5 * SEC);
      expect(s.of('check_failed').at(-1)).toMatchObject({ consecutiveFailures: 2, critical: true });
      expect(s.of('recovery_started')).toHaveLength(0);
    } finally {
      release(); // never leave a recovery waiting on the gate
    }
    await settle();
    expect(s.of('recovery_started')).toHaveLength(1);
    expect(s.of('recovery_started')[0]!.reason).toBe('service failed: exited with code 3');
  });

  it('recovery - a death inside step 1 watch fails the step; step 2 force-restarts', async () => {
    const s = await setup();
    let starts = 0;
    s.manager.onStart = () => {
      s.manager.up();
      if (++starts === 1) s.manager.crashIn(s.clock, 10 * SEC);
    };
    s.manager.crash();
    await advance(s.clock, 60 * SEC);
    expect(s.types(RECOVERY_TYPES)).toEqual(['recovery_started', 'step_started', 'step_failed', 'step_started', 'step_succeeded', 'recovery_succeeded']);
    expect(s.of('step_failed')[0]).toMatchObject({ step: 'step_1_graceful_restart', detail: expect.stringMatching(/started, then failed \d+ ms into the 30000 ms watch/) });
    expect(s.of('step_succeeded')[0]!.step).toBe('step_2_force_restart');
    expect(s.manager.actions()).toEqual(['stop 5000', 'start', 'forceKill', 'resetFailed', 'start']);
  });

  it('recovery - all three steps fail, step 3 names the log line; after the budget: exhausted once, then hands off', async () => {
    const s = await setup();
    s.manager.onStart = () => {
      s.manager.state = 'failed';
      s.manager.since = s.clock.now();
      s.manager.detail = 'main process exited with status 1';
      s.manager.logs.push({ at: s.clock.now(), stream: 'journal', text: 'Failed to parse config /etc/svc.yml' });
    };
    s.manager.crash('failed');
    await advance(s.clock, 60 * SEC);
    const perRecovery = ['recovery_started', 'step_started', 'step_failed', 'step_started', 'step_failed', 'step_started', 'step_failed', 'recovery_failed'];
    expect(s.types(RECOVERY_TYPES)).toEqual([...perRecovery, ...perRecovery, ...perRecovery, 'recovery_exhausted']);
    expect(s.of('step_failed').map((e) => e.step)).toEqual(Array(3).fill(['step_1_graceful_restart', 'step_2_force_restart', 'step_3_system_recovery']).flat());
    expect(s.of('step_failed')[2]!.detail).toContain('error pattern in the last 300000 ms of logs: Failed to parse config /etc/svc.yml');
    expect(s.manager.calls).toContain(`recentLogs ${s.of('step_failed')[2]!.at - 5 * MIN}`);
    expect(s.manager.actions().slice(0, 7)).toEqual(['stop 5000', 'start', 'forceKill', 'resetFailed', 'start', 'daemonReload', 'restart']);
    expect(s.of('recovery_exhausted')[0]).toMatchObject({ used: 3, max: 3, windowMs: 15 * MIN });

    // Left alone: no more actions, one exhaustion report, status still reported.
    const actions = s.manager.actions().length;
    await advance(s.clock, 5 * MIN, 1_000);
    expect(s.manager.actions()).toHaveLength(actions);
    expect(s.of('recovery_exhausted')).toHaveLength(1);
    expect(s.watcher.snapshot()).toMatchObject({ state: 'failed', recovering: false, budget: { used: 3, exhausted: true } });
    expect(s.watcher.requestRecovery('coordinator')).toMatchObject({ accepted: false, reason: 'budget_exhausted' });
    s.manager.up(); // an operator fixed it by hand
    await advance(s.clock, 5 * SEC);
    expect(s.events.at(-1)).toMatchObject({ type: 'status_changed', from: 'failed', to: 'running' });
  });

  it('budget - not given back by successful restarts, only by a whole stable window', async () => {
    const s = await setup();
    // Each recovery works, and the service dies again 10 minutes later: shorter than the 15-minute window.
    s.manager.onStart = () => {
      s.manager.up();
      s.manager.crashIn(s.clock, 10 * MIN);
    };
    s.manager.crash();
    await advance(s.clock, 35 * MIN, 1_000);
    expect(s.types(['recovery_succeeded', 'recovery_exhausted', 'budget_reset'])).toEqual(['recovery_succeeded', 'recovery_succeeded', 'recovery_succeeded', 'recovery_exhausted']);
    expect(s.manager.actions().filter((a) => a === 'start')).toHaveLength(3);

    // Back by hand, then stable: the budget returns only after a whole window.
    s.manager.onStart = () => s.manager.up();
    s.manager.up();
    await advance(s.clock, 14 * MIN, 1_000);
    expect(s.of('budget_reset')).toHaveLength(0);
    await advance(s.clock, 2 * MIN, 1_000);
    expect(s.of('budget_reset')).toHaveLength(1);
    expect(s.of('budget_reset')[0]!.used).toBe(3);
    expect(s.watcher.snapshot().budget).toMatchObject({ used: 0, exhausted: false });
    s.manager.crash();
    await advance(s.clock, 40 * SEC);
    expect(s.types(['recovery_succeeded']).length).toBe(4);
  });

  it('checks - one failure is tolerated; the second in a row triggers recovery naming the check', async () => {
    const s = await setup();
    s.check.ok = false;
    await advance(s.clock, 5 * SEC);
    expect(s.of('check_failed')).toEqual([expect.objectContaining({ check: 'http http://127.0.0.1:8080/health', consecutiveFailures: 1, critical: false })]);
    s.check.ok = true;
    await advance(s.clock, 5 * SEC);
    s.check.ok = false;
    await advance(s.clock, 5 * SEC);
    expect(s.of('recovery_started')).toHaveLength(0);
    s.manager.onStart = () => {
      s.manager.up();
      s.check.ok = true; // the restart cures it
    };
    await advance(s.clock, 5 * SEC);
    expect(s.of('check_failed').at(-1)).toMatchObject({ consecutiveFailures: 2, critical: true });
    expect(s.of('recovery_started')[0]!.reason).toBe('check http http://127.0.0.1:8080/health failed 2 times in a row: ECONNREFUSED');
    await advance(s.clock, 40 * SEC);
    expect(s.of('recovery_succeeded')).toHaveLength(1);
    expect(s.watcher.snapshot().checks[0]).toMatchObject({ state: 'passing', consecutiveFailures: 0 });
  });

  it('monitoring - after a recovery, two failed samples in a row are a recurrence', async () => {
    const s = await setup({ recovery: { budget: { max: 10 } } });
    s.manager.crash();
    await advance(s.clock, 40 * SEC);
    expect(s.of('monitoring_started')[0]).toMatchObject({ everyMs: 30 * SEC, untilMs: s.of('recovery_succeeded')[0]!.at + 10 * MIN });
    // It starts failing its health check, and restarts no longer help.
    s.check.ok = false;
    await advance(s.clock, 70 * SEC, 500);
    expect(s.of('recurrence')).toHaveLength(1);
    expect(s.of('recurrence')[0]!.consecutiveFailures).toBe(2);
    expect(s.types(['monitoring_started', 'recurrence', 'monitoring_ended'])).toEqual(['monitoring_started', 'recurrence', 'monitoring_ended']);
    expect(s.of('monitoring_ended')[0]!.outcome).toBe('recurrence');
  });

  it('monitoring - a quiet service ends monitoring stable after 10 minutes, sampled every 30 s', async () => {
    const s = await setup();
    s.manager.crash();
    await advance(s.clock, 40 * SEC);
    const runsBefore = s.check.runs;
    await advance(s.clock, 10 * MIN, 1_000);
    expect(s.of('monitoring_ended')).toEqual([expect.objectContaining({ outcome: 'stable' })]);
    expect(s.of('recurrence')).toHaveLength(0);
    // 120 check timer runs (every 5 s) plus 20 monitoring samples (every 30 s)
    expect(s.check.runs - runsBefore).toBeGreaterThanOrEqual(135);
    expect(s.watcher.snapshot().monitoring).toBeNull();
  });

  it('disabled - reports once that it will not act, never touches the service', async () => {
    const s = await setup({ recovery: { enabled: false } });
    s.manager.crash();
    await advance(s.clock, 30 * SEC);
    expect(s.types()).toEqual(['status_changed', 'status_changed', 'recovery_skipped']);
    expect(s.manager.actions()).toEqual([]);
    expect(s.watcher.requestRecovery('from the coordinator')).toEqual({ accepted: false, reason: 'recovery_disabled', message: 'recovery is disabled for service svc (recovery.enabled: false)' });
  });

  it('requestRecovery - runs on demand even when healthy; refused while one runs or when not watching', async () => {
    const s = await setup();
    const req = s.watcher.requestRecovery('peer cannot reach port 8080');
    expect(req.accepted).toBe(true);
    expect(s.watcher.requestRecovery('again')).toMatchObject({ accepted: false, reason: 'already_recovering' });
    await settle();
    expect(s.watcher.snapshot()).toMatchObject({ recovering: true, currentStep: 'step_1_graceful_restart' });
    await advance(s.clock, 40 * SEC);
    if (!req.accepted) throw new Error('refused');
    expect(await req.outcome).toMatchObject({ ok: true, step: 'step_1_graceful_restart' });
    expect(s.of('recovery_started')[0]).toMatchObject({ origin: 'requested', reason: 'peer cannot reach port 8080' });
    await s.watcher.stop();
    expect(s.watcher.requestRecovery('late')).toMatchObject({ accepted: false, reason: 'not_watching' });
  });

  it('starting - a unit stuck in activating past the start timeout is recovered', async () => {
    const s = await setup({ recovery: { startTimeout: '20s' } });
    s.manager.state = 'starting';
    await advance(s.clock, 15 * SEC);
    expect(s.of('recovery_started')).toHaveLength(0);
    await advance(s.clock, 10 * SEC);
    expect(s.of('recovery_started')[0]!.reason).toBe('service still starting after 20000 ms');
  });

  it('stop - cancels a recovery in progress, clears every timer, emits nothing more', async () => {
    const s = await setup();
    s.manager.crash();
    await advance(s.clock, 6 * SEC);
    expect(s.watcher.snapshot().recovering).toBe(true);
    await s.watcher.stop();
    const count = s.events.length;
    expect(s.clock.pendingTimers()).toBe(0);
    await advance(s.clock, 60 * SEC);
    expect(s.events).toHaveLength(count);
  });

  it('cadence - two services started at different moments poll and check on the same grid points', async () => {
    const clock = new FakeClock(1_700_000_001_234);
    const cadence = new Cadence(clock, 700);
    const seen: { what: string; at: number }[] = [];
    const start = async (name: string) => {
      const [service] = parseServices([{ name, manager: 'systemd', unit: `${name}.service`, checks: [{ type: 'http', url: 'http://127.0.0.1:8080/' }] }], { defaultIntervalMs: 5 * SEC });
      const manager = new FakeManager(clock, 'systemd');
      const status = manager.status.bind(manager);
      manager.status = async () => {
        seen.push({ what: `${name} status`, at: clock.now() });
        return status();
      };
      const check = new FakeCheck('http', 'http', () => {
        seen.push({ what: `${name} check`, at: clock.now() });
        return true;
      });
      const w = new ServiceWatcher({ service: service!, manager, clock, cadence, intervalMs: 5 * SEC, checkFactory: () => check });
      watchers.push(w);
      await w.start();
    };
    await start('a');
    await advance(clock, 1_300);
    await start('b');
    seen.length = 0; // the first round runs at start, off the grid
    await advance(clock, 20 * SEC);
    expect(new Set(seen.map((x) => x.what))).toEqual(new Set(['a status', 'a check', 'b status', 'b check']));
    // every periodic read lands on a grid point, so one wake-up serves both services
    expect(seen.filter((x) => (x.at - 700) % (5 * SEC) !== 0)).toEqual([]);
    expect(new Set(seen.map((x) => x.at)).size).toBe(4);
  });

  it('events - a throwing subscriber does not stop the watcher or the other subscribers', async () => {
    const errors: string[] = [];
    const s = await setup({ onError: (err, where) => errors.push(`${where}: ${(err as Error).message}`) });
    s.watcher.onEvent(() => {
      throw new Error('bad subscriber');
    });
    const seen: string[] = [];
    s.watcher.onEvent((e) => seen.push(e.type));
    s.manager.crash();
    await advance(s.clock, 40 * SEC);
    expect(seen).toContain('recovery_succeeded');
    expect(errors.length).toBe(seen.length);
    expect(errors[0]).toBe('event subscriber: bad subscriber');
  });

  it('budget store - the used count is carried over from an earlier agent and written at each change', async () => {
    let saved: BudgetRecord | undefined = { used: 2, updatedAtMs: 0 };
    const store: BudgetStore = { load: () => saved, save: (r) => (saved = r) };
    const s = await setup({ budgetStore: store });
    expect(s.watcher.snapshot().budget).toMatchObject({ used: 2, max: 3, exhausted: false });
    s.manager.crash();
    await advance(s.clock, 40 * SEC);
    expect(s.of('recovery_started')[0]).toMatchObject({ attempt: 3, detail: expect.stringMatching(/^recovery 3 of 3/) });
    expect(saved).toMatchObject({ used: 3 });
    s.manager.onStart = () => s.manager.crash();
    s.manager.crash();
    await advance(s.clock, 10 * SEC);
    expect(s.of('recovery_exhausted')).toHaveLength(1);
    expect(s.watcher.phase).toBe('budget_spent');
  });

  it('operator - restart runs outside a spent budget; reset gives it back and the watcher acts at once', async () => {
    const s = await setup({ recovery: { budget: { max: 1 } } });
    s.manager.onStart = () => s.manager.crash();
    s.manager.crash();
    await advance(s.clock, 20 * SEC);
    expect(s.of('recovery_exhausted')).toHaveLength(1);
    expect(s.watcher.requestRecovery('peer')).toMatchObject({ accepted: false, reason: 'budget_exhausted' });

    s.manager.onStart = () => s.manager.up();
    const restart = s.watcher.requestRestart('by alice', 'req-1');
    if (!restart.accepted) throw new Error(restart.message);
    await advance(s.clock, 40 * SEC);
    expect(await restart.outcome).toMatchObject({ ok: true, step: 'step_1_graceful_restart' });
    const tagged = s.events.filter((e) => e.requestId === 'req-1').map((e) => e.type);
    expect(tagged).toEqual(['recovery_started', 'step_started', 'step_succeeded', 'recovery_succeeded']);
    expect(s.of('recovery_started').at(-1)).toMatchObject({ origin: 'operator', detail: 'an operator restart, outside the budget: by alice' });
    expect(s.watcher.snapshot().budget).toMatchObject({ used: 1, exhausted: true });

    // Down again: the budget is still spent, so it is left alone, until an operator gives it back.
    s.manager.crash();
    await advance(s.clock, 10 * SEC);
    const started = s.of('recovery_started').length;
    expect(s.watcher.phase).toBe('budget_spent');
    expect(s.watcher.resetBudget('fixed', 'req-2')).toEqual({ accepted: true, used: 1 });
    expect(s.events.at(-1)).toMatchObject({ type: 'budget_reset', used: 1, requestId: 'req-2' });
    await settle();
    expect(s.of('recovery_started')).toHaveLength(started + 1);
    expect(s.of('recovery_started').at(-1)).toMatchObject({ origin: 'auto', attempt: 1 });
  });
});
