import { systemClock, type Clock, type TimerHandle } from '@vigil/shared';
import { runCheck, type CheckContext, type CheckResult, type HealthCheck } from '../checks/check.js';
import { Hysteresis, type CheckState } from '../checks/hysteresis.js';
import { createCheck, type CheckDeps } from '../checks/registry.js';
import type { ServiceManager, ServiceState, ServiceStatus, Unsubscribe } from '../services/manager.js';
import type { CheckSpec, ManagerKind, ServiceSpec } from '../services/schema.js';
import { RecoveryBudget } from './budget.js';
import type { EventInput, RecoveryEvent, RecoveryOrigin, StepName } from './events.js';
import { RecoveryMonitor } from './monitor.js';
import { Notifier, type EventSource } from './notifier.js';
import { hasRunbookErrorPattern, type ErrorPatternMatcher } from './patterns.js';
import { RECOVERY_STEPS, type RecoveryStep, type StepContext } from './steps/index.js';
import { markStart, verifyRunning, watchService, type Probe, type VerifyDeps } from './verify.js';
import { Sleeper } from './wake.js';
import { Cadence } from '../cadence.js';

export interface ServiceWatcherOptions {
  service: ServiceSpec;
  manager: ServiceManager;
  /** The agent's interval: how often the status is polled and a post-restart watch samples. */
  intervalMs: number;
  /** @default systemClock */
  clock?: Clock;
  /** The grid status polls and checks are scheduled on (see cadence.ts). @default phase 0 on `clock` */
  cadence?: Cadence;
  /** Builds a check from its declaration. @default createCheck (the CHECKS table) */
  checkFactory?: (spec: CheckSpec) => HealthCheck;
  /** Passed to the default check factory. */
  checkDeps?: CheckDeps;
  /** Step 3's error-pattern judge; the log module plugs in here. @default the runbook's section 5 patterns */
  hasErrorPattern?: ErrorPatternMatcher;
  /** Log lines from elsewhere (e.g. the service's log files) for step 3, added to the manager's. */
  readExtraLogs?: (sinceMs: number) => Promise<string[]>;
  /** The recovery sequence. @default RECOVERY_STEPS (the runbook's three steps) */
  steps?: readonly RecoveryStep[];
  /** How often a start is re-checked while waiting for it to come up. @default 100 */
  pollMs?: number;
  /** Start the service when the watcher starts (the agent owns a process service's lifetime). @default true for process services */
  startService?: boolean;
  /** Where unexpected errors (a failing status read, a throwing subscriber) go. @default ignored */
  onError?: (err: unknown, where: string) => void;
}

export type RecoveryRefusal = 'not_watching' | 'recovery_disabled' | 'already_recovering' | 'budget_exhausted';

export interface RecoveryOutcome {
  ok: boolean;
  /** The step that succeeded. */
  step?: StepName;
  detail: string;
  durationMs: number;
}

export type RecoveryRequest =
  | { accepted: true; outcome: Promise<RecoveryOutcome> }
  | { accepted: false; reason: RecoveryRefusal; message: string };

export interface CheckSnapshot {
  name: string;
  type: CheckSpec['type'];
  state: CheckState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  last?: CheckResult & { at: number };
}

export interface ServiceSnapshot {
  service: string;
  manager: ManagerKind;
  /** `unknown` until the first status read. */
  state: ServiceState | 'unknown';
  pids: number[];
  since?: number;
  detail?: string;
  /** When the status was read (epoch ms). */
  statusAt?: number;
  recoveryEnabled: boolean;
  recovering: boolean;
  currentStep?: StepName;
  budget: { used: number; max: number; windowMs: number; exhausted: boolean };
  checks: CheckSnapshot[];
  monitoring: { untilMs: number; consecutiveFailures: number } | null;
  lastRecovery?: RecoveryOutcome & { at: number };
}

interface CheckEntry {
  spec: CheckSpec;
  check: HealthCheck;
  hysteresis: Hysteresis;
  last?: CheckResult & { at: number };
  timer?: TimerHandle;
  inFlight: boolean;
}

/**
 * Watches one service and runs the runbook's recovery on it: polls its status every
 * interval (and at once when the manager reports an exit), runs its checks through their
 * hysteresis, and when the service is down or a check fails runs step 1, 2, 3 until one
 * succeeds; then monitors it; and stops acting when its recovery budget is spent.
 * Everything it does is reported through `onEvent`. Timing runs on the injected clock.
 */
export class ServiceWatcher implements EventSource<RecoveryEvent> {
  readonly name: string;
  private readonly service: ServiceSpec;
  private readonly manager: ServiceManager;
  private readonly clock: Clock;
  private readonly cadence: Cadence;
  private readonly intervalMs: number;
  private readonly pollMs: number;
  private readonly steps: readonly RecoveryStep[];
  private readonly hasErrorPattern: ErrorPatternMatcher;
  private readonly readExtraLogs: ((sinceMs: number) => Promise<string[]>) | undefined;
  private readonly startService: boolean;
  private readonly onError: (err: unknown, where: string) => void;
  private readonly notifier: Notifier<RecoveryEvent>;
  private readonly entries: CheckEntry[];
  private readonly budget: RecoveryBudget;
  private readonly monitor: RecoveryMonitor;
  private readonly abort = new AbortController();
  private readonly sleeper: Sleeper;
  private readonly checkContext: CheckContext;

  private started = false;
  private stopped = false;
  private unsubscribeExit: Unsubscribe | undefined;
  private pollTimer: TimerHandle | undefined;
  private monitorTimer: TimerHandle | undefined;
  private status: ServiceStatus | undefined;
  private statusAt: number | undefined;
  /** Status reads are numbered so a slow, older read never overwrites a newer one. */
  private statusReads = 0;
  private statusApplied = 0;
  private startingSince: number | undefined;
  private exits = 0;
  /** `exits` when the status held now was read: an exit after that makes it stale. */
  private exitsAtStatus = 0;
  private recovery: { promise: Promise<RecoveryOutcome>; step?: StepName } | undefined;
  /** Bumped at each recovery's start and end: check results begun before are stale. */
  private epoch = 0;
  private lastRecovery: (RecoveryOutcome & { at: number }) | undefined;
  private skipReported = false;
  /** Something went wrong since the last monitoring sample. */
  private troubledSinceSample = false;
  /** Polls, checks and samples under way, so `stop` can wait for them. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(options: ServiceWatcherOptions) {
    this.service = options.service;
    this.name = options.service.name;
    this.manager = options.manager;
    this.clock = options.clock ?? systemClock;
    this.cadence = options.cadence ?? new Cadence(this.clock);
    this.intervalMs = options.intervalMs;
    this.pollMs = options.pollMs ?? 100;
    this.steps = options.steps ?? RECOVERY_STEPS;
    this.hasErrorPattern = options.hasErrorPattern ?? hasRunbookErrorPattern;
    this.readExtraLogs = options.readExtraLogs;
    this.startService = options.startService ?? options.manager.kind === 'process';
    this.onError = options.onError ?? (() => {});
    this.notifier = new Notifier((err) => this.onError(err, 'event subscriber'));
    const factory = options.checkFactory ?? ((spec: CheckSpec) => createCheck(spec, options.checkDeps));
    this.entries = options.service.checks.map((spec) => ({
      spec,
      check: factory(spec),
      hysteresis: new Hysteresis({ failuresBeforeCritical: spec.failuresBeforeCritical, successesBeforePassing: spec.successesBeforePassing }),
      inFlight: false,
    }));
    const r = options.service.recovery;
    this.budget = new RecoveryBudget(r.budget.max, r.budget.window);
    this.monitor = new RecoveryMonitor(r.monitorEvery, r.monitorFor, r.monitorFailures);
    this.sleeper = new Sleeper(this.clock, this.abort.signal);
    this.checkContext = { pids: () => this.manager.pids(), signal: this.abort.signal };
  }

  onEvent(cb: (event: RecoveryEvent) => void): Unsubscribe {
    return this.notifier.onEvent(cb);
  }

  /**
   * Starts watching: subscribes to exits, starts a process service (waiting until it runs
   * and serves, or its start timeout passes), reads the status and runs each check once,
   * then keeps polling. Resolves when that first round is done.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error(`watcher for ${this.name} already started`);
    this.started = true;
    this.unsubscribeExit = this.manager.onExit(() => {
      this.exits++;
      this.sleeper.wake();
      // React now, not at the next poll: a crash must be answered within the runbook's seconds.
      if (!this.recovery && !this.stopped) void this.track(this.pollAndEvaluate());
    });
    if (this.startService) {
      try {
        const st = await this.manager.status();
        if (st.state !== 'running') {
          const deps = this.verifyDeps();
          const mark = markStart(deps);
          await this.manager.start();
          await verifyRunning(deps, mark, { startTimeoutMs: this.service.recovery.startTimeout, stableAfterStartMs: 0 });
        }
      } catch (err) {
        this.onError(err, 'initial start');
      }
    }
    await this.readStatus();
    await Promise.all(this.entries.map((e) => this.runEntry(e)));
    await this.evaluate();
    this.schedulePoll();
    for (const e of this.entries) this.scheduleCheck(e);
  }

  /**
   * Stops watching: timers cleared, a running recovery aborted at its next wait; resolves
   * once nothing started by the watcher is still under way. No events after that. The
   * service itself is left as it is (see `manager.close()`).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.unsubscribeExit?.();
    for (const t of [this.pollTimer, this.monitorTimer, ...this.entries.map((e) => e.timer)]) if (t) this.clock.clearTimeout(t);
    await this.recovery?.promise.catch(() => undefined);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * A recovery asked for from outside (the coordinator saw the service fail from another
   * vantage point). Runs even if the service looks healthy here; refused when recovery is
   * disabled for the service, one is running, or the budget is spent.
   */
  requestRecovery(reason: string): RecoveryRequest {
    return this.beginRecovery(reason, 'requested');
  }

  snapshot(): ServiceSnapshot {
    const st = this.status;
    const snap: ServiceSnapshot = {
      service: this.name,
      manager: this.manager.kind,
      state: st?.state ?? 'unknown',
      pids: st ? [...st.pids] : [],
      recoveryEnabled: this.service.recovery.enabled,
      recovering: this.recovery !== undefined,
      budget: { used: this.budget.used, max: this.budget.max, windowMs: this.budget.windowMs, exhausted: this.budget.exhausted },
      checks: this.entries.map((e) => ({
        name: e.check.name,
        type: e.spec.type,
        state: e.hysteresis.state,
        consecutiveFailures: e.hysteresis.consecutiveFailures,
        consecutiveSuccesses: e.hysteresis.consecutiveSuccesses,
        ...(e.last ? { last: { ...e.last } } : {}),
      })),
      monitoring: this.monitor.active ? { untilMs: this.monitor.until!, consecutiveFailures: this.monitor.consecutiveFailures } : null,
    };
    if (st?.since !== undefined) snap.since = st.since;
    if (st?.detail !== undefined) snap.detail = st.detail;
    if (this.statusAt !== undefined) snap.statusAt = this.statusAt;
    if (this.recovery?.step) snap.currentStep = this.recovery.step;
    if (this.lastRecovery) snap.lastRecovery = { ...this.lastRecovery };
    return snap;
  }

  // ---- observing ----

  /** Runs background work: remembered until it settles (for `stop`), its errors reported, never thrown. */
  private track(work: Promise<unknown>): Promise<void> {
    const settled = work.then(
      () => undefined,
      (err: unknown) => this.onError(err, 'background'),
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    return settled;
  }

  private emit(event: EventInput): void {
    if (this.stopped) return;
    this.notifier.emit({ ...event, service: this.name, at: this.clock.now() } as RecoveryEvent);
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = this.clock.setTimeout(() => {
      void this.track(this.pollAndEvaluate()).finally(() => this.schedulePoll());
    }, this.cadence.delay(this.intervalMs));
  }

  private scheduleCheck(entry: CheckEntry): void {
    if (this.stopped) return;
    entry.timer = this.clock.setTimeout(() => {
      void this.track(this.runEntry(entry).then(() => this.evaluate())).finally(() => this.scheduleCheck(entry));
    }, this.cadence.delay(entry.spec.interval));
  }

  private async pollAndEvaluate(): Promise<void> {
    if (this.stopped || this.recovery) return;
    await this.readStatus();
    await this.evaluate();
  }

  /** Reads the status and reports a change of state or of main process. */
  private async readStatus(): Promise<void> {
    const seq = ++this.statusReads;
    const exitsBefore = this.exits;
    let st: ServiceStatus;
    try {
      st = await this.manager.status();
    } catch (err) {
      // A failing status read (systemctl timing out) says nothing about the service: keep the last.
      this.onError(err, 'status');
      this.exitsAtStatus = exitsBefore; // nothing fresher will come from this read
      return;
    }
    if (seq < this.statusApplied || this.stopped) return;
    this.statusApplied = seq;
    this.exitsAtStatus = exitsBefore;
    const before = this.status;
    this.status = st;
    this.statusAt = this.clock.now();
    if (st.state === 'starting') this.startingSince ??= this.statusAt;
    else this.startingSince = undefined;
    if (!before || before.state !== st.state || (st.state === 'running' && before.pids[0] !== st.pids[0])) {
      const detail = `${st.state}${st.detail ? `: ${st.detail}` : ''}${st.pids.length ? ` (pids ${st.pids.join(' ')})` : ''}`;
      this.emit({ type: 'status_changed', from: before?.state ?? null, to: st.state, pids: [...st.pids], detail });
    }
  }

  /**
   * Runs one check and feeds its hysteresis; results from before a recovery are dropped.
   * Returns the result, or undefined when the run was skipped or dropped.
   */
  private async runEntry(entry: CheckEntry): Promise<CheckResult | undefined> {
    if (this.stopped || this.recovery || entry.inFlight) return undefined;
    entry.inFlight = true;
    const epoch = this.epoch;
    try {
      const result = await runCheck(entry.check, this.checkContext);
      if (this.stopped || this.recovery || epoch !== this.epoch) return undefined;
      const verdict = entry.hysteresis.record(result.ok);
      entry.last = { ...result, at: this.clock.now() };
      if (!result.ok) {
        // Each failure on the way to critical, then silence until it passes again.
        if (verdict.state === 'passing' || verdict.changed) {
          this.emit({
            type: 'check_failed',
            check: entry.check.name,
            consecutiveFailures: verdict.consecutiveFailures,
            critical: verdict.state === 'failing',
            durationMs: result.durationMs,
            detail: result.detail,
          });
        }
      } else if (verdict.changed) {
        this.emit({ type: 'check_passed', check: entry.check.name, durationMs: result.durationMs, detail: result.detail });
      }
      return result;
    } finally {
      entry.inFlight = false;
    }
  }

  /** Why the service needs recovering, or undefined when it is healthy. */
  private problem(): string | undefined {
    const st = this.status;
    if (st && (st.state === 'failed' || st.state === 'inactive')) return `service ${st.state}${st.detail ? `: ${st.detail}` : ''}`;
    if (st?.state === 'starting' && this.startingSince !== undefined && this.clock.now() - this.startingSince >= this.service.recovery.startTimeout) {
      return `service still starting after ${this.service.recovery.startTimeout} ms`;
    }
    const failing = this.entries.find((e) => e.hysteresis.state === 'failing');
    if (failing) return `check ${failing.check.name} failed ${failing.hysteresis.consecutiveFailures} times in a row${failing.last ? `: ${failing.last.detail}` : ''}`;
    return undefined;
  }

  private async evaluate(): Promise<void> {
    if (this.stopped || this.recovery || !this.status) return;
    // The process exited after the status we hold was read: the exit's own status read is
    // under way and evaluates then, so the recovery names the exit, not a check that
    // merely saw the port close.
    if (this.exits !== this.exitsAtStatus) return;
    const problem = this.problem();
    const now = this.clock.now();
    if (problem === undefined) {
      this.skipReported = false;
      if (this.status.state !== 'running') return; // starting: neither healthy nor failed yet
      const reset = this.budget.observe(true, now);
      if (reset) this.emit({ type: 'budget_reset', stableForMs: reset.stableForMs, used: reset.used, detail: `stable for ${reset.stableForMs} ms: ${reset.used} used recoveries forgiven` });
      return;
    }
    this.troubledSinceSample = true;
    this.budget.observe(false, now);
    this.beginRecovery(problem, 'auto');
  }

  // ---- recovering ----

  private beginRecovery(reason: string, origin: RecoveryOrigin): RecoveryRequest {
    if (!this.started || this.stopped) return { accepted: false, reason: 'not_watching', message: `service ${this.name} is not being watched` };
    if (!this.service.recovery.enabled) {
      if (origin === 'auto' && !this.skipReported) {
        this.skipReported = true;
        this.emit({ type: 'recovery_skipped', reason: 'disabled', detail: `recovery is disabled for ${this.name}; not acting on: ${reason}` });
      }
      return { accepted: false, reason: 'recovery_disabled', message: `recovery is disabled for service ${this.name} (recovery.enabled: false)` };
    }
    if (this.recovery) return { accepted: false, reason: 'already_recovering', message: `a recovery of ${this.name} is already running` };
    if (!this.budget.consume()) {
      const message = `recovery budget of ${this.name} is spent: ${this.budget.used} of ${this.budget.max} used; it resets after ${this.budget.windowMs} ms of stable service`;
      if (origin === 'auto' && this.budget.takeExhaustionNotice()) {
        this.emit({ type: 'recovery_exhausted', used: this.budget.used, max: this.budget.max, windowMs: this.budget.windowMs, detail: `${message}; not acting on: ${reason}` });
      }
      return { accepted: false, reason: 'budget_exhausted', message };
    }
    // Set synchronously, before any await: two triggers at once must not start two recoveries.
    const slot: { promise: Promise<RecoveryOutcome>; step?: StepName } = { promise: Promise.resolve({ ok: false, detail: '', durationMs: 0 }) };
    this.recovery = slot;
    this.epoch++;
    let recovered = false;
    slot.promise = this.runRecovery(reason, origin, slot)
      .then(async (outcome) => {
        recovered = outcome.ok;
        // Refresh what the snapshot shows before it stops saying "recovering": a heartbeat
        // in between would report the old process, or a failure already dealt with.
        if (!this.stopped) await this.readStatus().catch(() => undefined);
        return outcome;
      })
      .finally(() => {
        this.recovery = undefined;
        this.epoch++;
        // The exit listener ignores exits while a recovery runs, so look at the service now:
        // a crash right after it was verified is answered at once, not at the next poll an
        // interval away (a fresh read if it exited after the last one). After a failed
        // recovery the poll's pause stands.
        if (recovered && !this.stopped) void this.track(this.exits !== this.exitsAtStatus ? this.pollAndEvaluate() : this.evaluate());
      });
    return { accepted: true, outcome: slot.promise };
  }

  private async runRecovery(reason: string, origin: RecoveryOrigin, slot: { step?: StepName }): Promise<RecoveryOutcome> {
    const t0 = this.clock.now();
    this.troubledSinceSample = true;
    this.emit({ type: 'recovery_started', reason, origin, attempt: this.budget.used, budgetMax: this.budget.max, detail: `recovery ${this.budget.used} of ${this.budget.max}: ${reason}` });
    const ctx = this.stepContext();
    const failures: string[] = [];
    for (const step of this.steps) {
      if (this.stopped) break;
      slot.step = step.name;
      this.emit({ type: 'step_started', step: step.name, detail: step.name });
      const s0 = this.clock.now();
      let verdict;
      try {
        verdict = await step.run(ctx);
      } catch (err) {
        verdict = { ok: false, detail: (err as Error).message ?? String(err) };
      }
      const durationMs = this.clock.now() - s0;
      if (verdict.ok) {
        this.emit({ type: 'step_succeeded', step: step.name, durationMs, detail: verdict.detail });
        for (const e of this.entries) e.hysteresis.reset();
        const outcome: RecoveryOutcome = { ok: true, step: step.name, detail: verdict.detail, durationMs: this.clock.now() - t0 };
        this.lastRecovery = { ...outcome, at: this.clock.now() };
        this.emit({ type: 'recovery_succeeded', step: step.name, durationMs: outcome.durationMs, detail: `recovered by ${step.name} in ${outcome.durationMs} ms` });
        this.startMonitoring();
        return outcome;
      }
      failures.push(`${step.name}: ${verdict.detail}`);
      this.emit({ type: 'step_failed', step: step.name, durationMs, detail: verdict.detail });
    }
    const outcome: RecoveryOutcome = { ok: false, detail: this.stopped ? 'watcher stopped' : failures.join('; '), durationMs: this.clock.now() - t0 };
    this.lastRecovery = { ...outcome, at: this.clock.now() };
    this.emit({ type: 'recovery_failed', durationMs: outcome.durationMs, detail: `all ${this.steps.length} steps failed` });
    return outcome;
  }

  private verifyDeps(): VerifyDeps {
    const probes: Probe[] = this.entries
      .filter((e) => e.spec.type === 'http' || e.spec.type === 'tcp')
      .map((e) => ({ check: e.check, failuresBeforeCritical: e.spec.failuresBeforeCritical }));
    return {
      manager: this.manager,
      clock: this.clock,
      sleeper: this.sleeper,
      signal: this.abort.signal,
      // Resource checks are left out: a start-up CPU spike is normal, not a failed start.
      probes,
      checkContext: this.checkContext,
      pollMs: this.pollMs,
      intervalMs: this.intervalMs,
      exitCount: () => this.exits,
    };
  }

  private stepContext(): StepContext {
    const deps = this.verifyDeps();
    const r = this.service.recovery;
    return {
      service: this.service,
      manager: this.manager,
      clock: this.clock,
      settings: r,
      markStart: () => markStart(deps),
      verifyRunning: (mark) => verifyRunning(deps, mark, { startTimeoutMs: r.startTimeout, stableAfterStartMs: r.stableAfterStart }),
      watch: (ms) => watchService(deps, ms),
      readLogs: async (sinceMs) => {
        const own = (await this.manager.recentLogs(sinceMs)).map((l) => l.text);
        const extra = this.readExtraLogs ? await this.readExtraLogs(sinceMs) : [];
        return [...own, ...extra];
      },
      hasErrorPattern: (lines) => this.hasErrorPattern(lines),
    };
  }

  // ---- monitoring after a recovery ----

  private startMonitoring(): void {
    const how = this.monitor.begin(this.clock.now());
    if (how === 'extended') return;
    this.troubledSinceSample = false;
    this.emit({
      type: 'monitoring_started',
      untilMs: this.monitor.until!,
      everyMs: this.monitor.everyMs,
      detail: `sampling every ${this.monitor.everyMs} ms for ${this.monitor.forMs} ms; ${this.monitor.failuresForRecurrence} failed samples in a row are a recurrence`,
    });
    this.scheduleMonitorSample();
  }

  private scheduleMonitorSample(): void {
    if (this.stopped || !this.monitor.active) return;
    this.monitorTimer = this.clock.setTimeout(() => {
      void this.track(this.monitorSample()).finally(() => this.scheduleMonitorSample());
    }, this.monitor.everyMs);
  }

  /**
   * A fresh look (status and every check, each result counting on its own: the monitor's
   * "2 in a row" is the hysteresis here) plus whatever went wrong since the last sample.
   */
  private async monitorSample(): Promise<void> {
    if (this.stopped || !this.monitor.active) return;
    let checkFailed = false;
    if (!this.recovery) {
      await this.readStatus();
      const results = await Promise.all(this.entries.map((e) => this.runEntry(e)));
      checkFailed = results.some((r) => r !== undefined && !r.ok);
      await this.evaluate();
    }
    const down = this.status !== undefined && this.status.state !== 'running';
    const failed = this.troubledSinceSample || checkFailed || down || this.recovery !== undefined || this.problem() !== undefined;
    this.troubledSinceSample = false;
    const r = this.monitor.sample(failed, this.clock.now());
    if (r.outcome === 'recurrence') {
      this.emit({ type: 'recurrence', consecutiveFailures: r.consecutiveFailures, detail: `${r.consecutiveFailures} failed samples in a row after a recovery: ${this.problem() ?? 'recovered again in between'}` });
      this.emit({ type: 'monitoring_ended', outcome: 'recurrence', detail: 'recurrence' });
    } else if (r.outcome === 'stable') {
      this.emit({ type: 'monitoring_ended', outcome: 'stable', detail: `no recurrence within ${this.monitor.forMs} ms` });
    }
  }
}
