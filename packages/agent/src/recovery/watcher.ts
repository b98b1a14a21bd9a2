import { summariseList, systemClock, type Clock, type TimerHandle } from '@vigil/shared';
import type { CheckContext, CheckResult, HealthCheck } from '../checks/check.js';
import type { CheckState, HysteresisVerdict } from '../checks/hysteresis.js';
import { checkPorts, createCheck, servesTraffic, type CheckDeps } from '../checks/registry.js';
import { CheckScheduler, type ScheduledCheck } from '../checks/scheduler.js';
import type { ServiceManager, ServiceState, ServiceStatus, Unsubscribe } from '../services/manager.js';
import { ownsProcesses } from '../services/managers.js';
import type { CheckSpec, ManagerKind, ServiceSpec } from '../services/schema.js';
import { findPortHolders, portOfAddressInUse, type PortHolder } from '../services/port-holder.js';
import { RecoveryBudget } from './budget.js';
import type { BudgetStore, HoldRecord } from './budget-store.js';
import type { EventInput, RecoveryEvent, RecoveryOrigin, StepName } from './events.js';
import { RecoveryMonitor } from './monitor.js';
import { Notifier, type EventSource } from './notifier.js';
import { hasRunbookErrorPattern, type ErrorPatternMatcher } from './patterns.js';
import { RECOVERY_STEPS, type RecoveryStep, type StepContext } from './steps/index.js';
import { markStart, verifyRunning, watchService, type Probe, type VerifyDeps } from './verify.js';
import { SerialQueue } from './queue.js';
import { settled, windowOf, type MonitorWindow, type PortConflict, type RecoveryRun, type WatcherInput, type WatcherState, type WatcherStateKind } from './state.js';
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
  /** Builds a check from its declaration. @default createCheck (the CHECK_KINDS array) */
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
  /** Keeps the restart budget across agent restarts (the data dir). @default none: each watcher starts with a full budget */
  budgetStore?: BudgetStore;
  /** Who listens on a TCP port (for "address already in use"). @default findPortHolders (reads /proc) */
  portHolders?: (port: number) => PortHolder[];
}

export type RecoveryRefusal = 'not_watching' | 'recovery_disabled' | 'already_recovering' | 'budget_exhausted' | 'address_in_use';

export interface RecoveryOutcome {
  ok: boolean;
  /** The step that succeeded. */
  step?: StepName;
  detail: string;
  durationMs: number;
  /** Successful recoveries: from the start until the service served again (the summary's figure). */
  timeToServingMs?: number;
  /** Successful recoveries: until the step's verification, post-restart watch included, was done. */
  timeToVerifiedMs?: number;
  /** Set when the sequence ended early because a restart cannot help (another process holds the port). */
  blocked?: string;
  /** With `blocked`: the port the other process holds. */
  blockedPort?: number;
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
  /** Where the watcher is (see state.ts). */
  phase: WatcherStateKind;
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

/** What the watcher last read of the service. */
interface Observation {
  status: ServiceStatus;
  /** When it was read (epoch ms). */
  at: number;
  /** Since when the service has been seen `starting` without a break. */
  startingSince: number | undefined;
}

/**
 * Watches one service and runs the runbook's recovery on it: polls its status every
 * interval (and at once when the manager reports an exit), has its checks judged by their
 * hysteresis in a check scheduler, and when the service is down or a check fails runs
 * step 1, 2, 3 until one succeeds; then monitors it; and stops acting when its recovery
 * budget is spent. Everything it does is reported through `onEvent`. Timing runs on the
 * injected clock.
 *
 * Its state is one `WatcherState` value. Every input that needs a look at the service (an
 * exit, a poll, a check verdict, a monitoring tick, the end of a recovery) goes through
 * one serial queue, so each is judged on a complete, current state. A request from outside
 * (`requestRecovery`) is decided at once, synchronously: the caller needs an answer, and a
 * synchronous transition cannot interleave with anything.
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
  private readonly checks: CheckScheduler;
  private readonly budget: RecoveryBudget;
  private readonly abort = new AbortController();
  private readonly sleeper: Sleeper;
  private readonly checkContext: CheckContext;
  private readonly queue: SerialQueue<WatcherInput>;
  private readonly budgetStore: BudgetStore | undefined;
  private readonly portHolders: (port: number) => PortHolder[];
  /** A hold saved by an earlier agent, taken up at start unless a live copy is adopted. */
  private savedHold: HoldRecord | undefined;

  private state: WatcherState = { kind: 'idle' };
  private seen: Observation | undefined;
  /** Exits the manager has reported; an observation counter, not a state. */
  private exits = 0;
  /** `exits` when the status held now was read: an exit after that makes it stale. */
  private exitsAtStatus = 0;
  private lastRecovery: (RecoveryOutcome & { at: number }) | undefined;
  private unsubscribeExit: Unsubscribe | undefined;
  private pollTimer: TimerHandle | undefined;
  private monitorTimer: TimerHandle | undefined;

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
    this.startService = options.startService ?? ownsProcesses(options.manager.kind);
    this.onError = options.onError ?? (() => {});
    this.notifier = new Notifier((err) => this.onError(err, 'event subscriber'));
    this.sleeper = new Sleeper(this.clock, this.abort.signal);
    this.checkContext = { pids: () => this.manager.pids(), signal: this.abort.signal };
    const factory = options.checkFactory ?? ((spec: CheckSpec) => createCheck(spec, options.checkDeps));
    this.checks = new CheckScheduler(
      options.service.checks.map((spec) => ({ spec, check: factory(spec) })),
      { clock: this.clock, cadence: this.cadence, context: this.checkContext, notifier: { onResult: (c, r, v) => this.onCheckResult(c, r, v) } },
    );
    const r = options.service.recovery;
    this.budget = new RecoveryBudget(r.budget.max, r.budget.window);
    this.budgetStore = options.budgetStore;
    this.portHolders = options.portHolders ?? ((port) => findPortHolders(port));
    const saved = this.budgetStore?.load();
    if (saved) this.budget.restore(saved.used);
    this.savedHold = saved?.hold;
    this.queue = new SerialQueue((input) => this.handle(input), (err) => this.onError(err, 'background'));
  }

  onEvent(cb: (event: RecoveryEvent) => void): Unsubscribe {
    return this.notifier.onEvent(cb);
  }

  /** The restart budget now: how many recoveries are used of how many. */
  get budgetFigures(): { used: number; max: number } {
    return { used: this.budget.used, max: this.budget.max };
  }

  /** Where the watcher is now. */
  get phase(): WatcherStateKind {
    return this.state.kind;
  }

  /**
   * Starts watching: subscribes to exits, starts a process service (waiting until it runs
   * and serves, or its start timeout passes), reads the status and runs each check once,
   * then keeps polling. Resolves when that first round is done.
   */
  async start(): Promise<void> {
    if (this.state.kind !== 'idle') throw new Error(`watcher for ${this.name} already started`);
    this.state = { kind: 'watching', skipNoticed: false };
    this.unsubscribeExit = this.manager.onExit((notice) => {
      this.exits++;
      this.sleeper.wake();
      // React now, not at the next poll: a crash must be answered within the runbook's seconds.
      void this.queue.push({ type: 'exit', notice });
    });
    if (this.startService) {
      try {
        // A copy left running by an earlier agent is taken over, not started again: a
        // second copy could not bind its port and would spend the budget failing.
        const adoption = this.manager.adopt ? await this.manager.adopt() : undefined;
        if (adoption?.adopted) {
          this.state = { kind: 'adopted', pid: adoption.pid, since: adoption.since };
          this.emit({ type: 'service_adopted', pid: adoption.pid, pgid: adoption.pgid, sinceMs: adoption.since, detail: adoption.detail });
        } else if (adoption?.stoppedPid !== undefined) {
          // Worth a line in the agent's log: something of ours was stopped.
          this.onError(new Error(adoption.detail), 'adopt');
        }
        this.takeUpSavedHold();
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
    this.takeUpSavedHold();
    await this.queue.push({ type: 'initial' });
    if (this.phase === 'stopped') return;
    this.schedulePoll();
    if (this.phase !== 'recovering') this.checks.start();
  }

  /**
   * Stops watching: timers cleared, a running recovery aborted at its next wait; resolves
   * once nothing started by the watcher is still under way. No events after that. The
   * service itself is left as it is (see `manager.close()`).
   */
  async stop(): Promise<void> {
    const before = this.state;
    if (before.kind === 'stopped') return;
    this.state = { kind: 'stopped' };
    this.abort.abort();
    this.unsubscribeExit?.();
    this.checks.stop();
    for (const t of [this.pollTimer, this.monitorTimer]) if (t) this.clock.clearTimeout(t);
    this.pollTimer = this.monitorTimer = undefined;
    if (before.kind === 'recovering') await before.run.outcome.catch(() => undefined);
    await this.queue.idle();
    await this.checks.drain();
  }

  /**
   * A recovery asked for from outside (the coordinator saw the service fail from another
   * vantage point). Runs even if the service looks healthy here; refused when recovery is
   * disabled for the service, one is running, or the budget is spent.
   */
  requestRecovery(reason: string, requestId = ''): RecoveryRequest {
    return this.beginRecovery(reason, 'requested', requestId);
  }

  /**
   * An operator's restart: the recovery sequence, run now, whatever the service looks
   * like and whether or not the budget has room (it neither needs nor spends it: the
   * budget stops the agent's own loops, not people). Refused only when recovery is
   * disabled for the service, one is already running, or the watcher is not running.
   */
  requestRestart(reason: string, requestId = ''): RecoveryRequest {
    return this.beginRecovery(reason, 'operator', requestId);
  }

  /**
   * An operator gives every used recovery back: the watcher acts again on its own (at
   * once, if the service is down now). Journaled as `budget_reset` with the request id.
   */
  resetBudget(reason: string, requestId = ''): { accepted: true; used: number } | { accepted: false; reason: RecoveryRefusal; message: string } {
    const state = this.state;
    if (state.kind === 'idle' || state.kind === 'stopped') return { accepted: false, reason: 'not_watching', message: `service ${this.name} is not being watched` };
    const used = this.budget.forgive();
    if (state.kind === 'budget_spent') this.state = settled(state.window);
    // Saved after the state moved: a reset also lifts a hold on a port, in the file too.
    this.saveBudget();
    this.emit({ type: 'budget_reset', stableForMs: 0, used, detail: `budget reset: ${used} used recoveries given back (${reason})`, ...(requestId ? { requestId } : {}) });
    // Look now rather than at the next poll: a service still down is recovered at once.
    if (state.kind === 'budget_spent') void this.queue.push({ type: 'poll' });
    return { accepted: true, used };
  }

  snapshot(): ServiceSnapshot {
    const st = this.seen?.status;
    const state = this.state;
    const window = windowOf(state);
    const snap: ServiceSnapshot = {
      service: this.name,
      phase: state.kind,
      manager: this.manager.kind as ManagerKind,
      state: st?.state ?? 'unknown',
      pids: st ? [...st.pids] : [],
      recoveryEnabled: this.service.recovery.enabled,
      recovering: state.kind === 'recovering',
      budget: { used: this.budget.used, max: this.budget.max, windowMs: this.budget.windowMs, exhausted: this.budget.exhausted },
      checks: this.checks.views(),
      monitoring: window?.monitor.active ? { untilMs: window.monitor.until!, consecutiveFailures: window.monitor.consecutiveFailures } : null,
    };
    if (st?.since !== undefined) snap.since = st.since;
    if (st?.detail !== undefined) snap.detail = st.detail;
    if (this.seen) snap.statusAt = this.seen.at;
    if (state.kind === 'recovering' && state.run.step) snap.currentStep = state.run.step;
    if (this.lastRecovery) snap.lastRecovery = { ...this.lastRecovery };
    return snap;
  }

  // ---- the serial queue ----

  private async handle(input: WatcherInput): Promise<void> {
    if (this.state.kind === 'stopped') return;
    switch (input.type) {
      case 'initial':
        await this.readStatus();
        await this.checks.runAll();
        await this.evaluate();
        return;
      case 'exit':
      case 'poll':
        // During a recovery its steps see exits themselves (exitCount) and its end reads again.
        if (this.state.kind === 'recovering') return;
        await this.readStatus();
        await this.evaluate();
        return;
      case 'check_verdict':
        await this.evaluate();
        return;
      case 'monitor_tick':
        await this.monitorSample();
        return;
      case 'recovery_done':
        await this.finishRecovery(input.ok, input.blocked);
        return;
    }
  }

  private emit(event: EventInput): void {
    if (this.state.kind === 'stopped') return;
    this.notifier.emit({ ...event, service: this.name, at: this.clock.now() } as RecoveryEvent);
  }

  private schedulePoll(): void {
    if (this.state.kind === 'stopped') return;
    this.pollTimer = this.clock.setTimeout(() => {
      this.pollTimer = undefined;
      void this.queue.push({ type: 'poll' }).finally(() => this.schedulePoll());
    }, this.cadence.delay(this.intervalMs));
  }

  /** A check's judged result: reported at once, acted on in turn through the queue. */
  private onCheckResult(c: ScheduledCheck, result: CheckResult, verdict: HysteresisVerdict): void {
    if (this.state.kind === 'stopped') return;
    if (!result.ok) {
      // Each failure on the way to critical, then silence until it passes again.
      if (verdict.state === 'passing' || verdict.changed) {
        this.emit({
          type: 'check_failed',
          check: c.name,
          consecutiveFailures: verdict.consecutiveFailures,
          critical: verdict.state === 'failing',
          durationMs: result.durationMs,
          detail: result.detail,
        });
      }
    } else if (verdict.changed) {
      this.emit({ type: 'check_passed', check: c.name, durationMs: result.durationMs, detail: result.detail });
    }
    void this.queue.push({ type: 'check_verdict' });
  }

  /** Reads the status and reports a change of state or of main process. */
  private async readStatus(): Promise<void> {
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
    if (this.state.kind === 'stopped') return;
    this.exitsAtStatus = exitsBefore;
    const before = this.seen?.status;
    const at = this.clock.now();
    const startingSince = st.state === 'starting' ? (this.seen?.startingSince ?? at) : undefined;
    this.seen = { status: st, at, startingSince };
    if (!before || before.state !== st.state || (st.state === 'running' && before.pids[0] !== st.pids[0])) {
      const detail = `${st.state}${st.detail ? `: ${st.detail}` : ''}${st.pids.length ? ` (pids ${summariseList(st.pids)})` : ''}`;
      this.emit({ type: 'status_changed', from: before?.state ?? null, to: st.state, pids: [...st.pids], detail });
    }
  }

  /** Why the service needs recovering, or undefined when it is healthy. */
  private problem(): string | undefined {
    const seen = this.seen;
    const st = seen?.status;
    if (st && (st.state === 'failed' || st.state === 'inactive')) return `service ${st.state}${st.detail ? `: ${st.detail}` : ''}`;
    if (st?.state === 'starting' && seen?.startingSince !== undefined && this.clock.now() - seen.startingSince >= this.service.recovery.startTimeout) {
      return `service still starting after ${this.service.recovery.startTimeout} ms`;
    }
    const failing = this.checks.failing();
    if (failing) {
      const last = failing.lastResult;
      return `check ${failing.name} failed ${failing.hysteresis.consecutiveFailures} times in a row${last ? `: ${last.detail}` : ''}`;
    }
    return undefined;
  }

  private async evaluate(): Promise<void> {
    const state = this.state;
    if (state.kind === 'stopped' || state.kind === 'idle' || state.kind === 'recovering' || !this.seen) return;
    // The process exited after the status we hold was read: the exit's own input is queued
    // and evaluates then, so the recovery names the exit, not a check that merely saw the
    // port close.
    if (this.exits !== this.exitsAtStatus) return;
    const problem = this.problem();
    const now = this.clock.now();
    if (problem === undefined) {
      if (state.kind === 'watching' && state.skipNoticed) this.state = { kind: 'watching', skipNoticed: false };
      if (this.seen.status.state !== 'running') return; // starting: neither healthy nor failed yet
      // Held for a port another process had: lifted once the service runs and passes and
      // no other process listens on that port (its checks may pass against the other one).
      let wasHeld = false;
      if (isPortHold(state)) {
        const taken = await this.portTakenByOther(state.cause.port);
        if (this.state !== state) return; // moved on (an operator's action) while /proc was read
        if (!taken) {
          wasHeld = true;
          this.state = this.budget.exhausted ? { ...state, cause: { kind: 'budget' } } : settled(state.window);
        }
      }
      const reset = this.budget.observe(true, now);
      if (reset && this.state.kind === 'budget_spent' && !isPortHold(this.state)) this.state = settled(this.state.window);
      if (reset || wasHeld) this.saveBudget();
      if (reset) this.emit({ type: 'budget_reset', stableForMs: reset.stableForMs, used: reset.used, detail: `stable for ${reset.stableForMs} ms: ${reset.used} used recoveries forgiven` });
      return;
    }
    const window = windowOf(state);
    if (window) window.troubled = true;
    this.budget.observe(false, now);
    this.beginRecovery(problem, 'auto');
  }

  // ---- recovering ----

  private beginRecovery(reason: string, origin: RecoveryOrigin, requestId = ''): RecoveryRequest {
    const state = this.state;
    if (state.kind === 'idle' || state.kind === 'stopped') return { accepted: false, reason: 'not_watching', message: `service ${this.name} is not being watched` };
    if (!this.service.recovery.enabled) {
      if (origin === 'auto' && !(state.kind === 'watching' && state.skipNoticed)) {
        this.state = { kind: 'watching', skipNoticed: true };
        this.emit({ type: 'recovery_skipped', reason: 'disabled', detail: `recovery is disabled for ${this.name}; not acting on: ${reason}` });
      }
      return { accepted: false, reason: 'recovery_disabled', message: `recovery is disabled for service ${this.name} (recovery.enabled: false)` };
    }
    if (state.kind === 'recovering') return { accepted: false, reason: 'already_recovering', message: `a recovery of ${this.name} is already running` };
    const window = windowOf(state);
    if (origin !== 'operator' && state.kind === 'budget_spent' && state.cause.kind === 'address_in_use') {
      const cause = state.cause;
      if (origin === 'auto' && !cause.announced) {
        // A hold carried over from an earlier agent, and the service is down under it: say
        // so once, as the earlier agent did, rather than spend a recovery to find it out.
        this.state = { ...state, cause: { ...cause, announced: true } };
        this.emit({
          type: 'recovery_exhausted',
          used: this.budget.used,
          max: this.budget.max,
          windowMs: this.budget.windowMs,
          detail: `still not restarting ${this.name} (held since ${new Date(state.since).toISOString()}, before the agent restarted): ${cause.detail}; not acting on: ${reason}. ${HOLD_REMEDY}`,
        });
      }
      return { accepted: false, reason: 'address_in_use', message: `not restarting ${this.name}: ${cause.detail}` };
    }
    // An operator's restart is theirs to decide: it neither needs nor spends the budget.
    if (origin !== 'operator' && !this.budget.consume()) {
      const message = `recovery budget of ${this.name} is spent: ${this.budget.used} of ${this.budget.max} used; it resets after ${this.budget.windowMs} ms of stable service`;
      if (origin === 'auto' && state.kind !== 'budget_spent') {
        this.state = { kind: 'budget_spent', since: this.clock.now(), cause: { kind: 'budget' }, window };
        this.emit({ type: 'recovery_exhausted', used: this.budget.used, max: this.budget.max, windowMs: this.budget.windowMs, detail: `${message}; not acting on: ${reason}` });
      }
      return { accepted: false, reason: 'budget_exhausted', message };
    }
    const run: RecoveryRun = { reason, origin, requestId, startedAt: this.clock.now(), stepIndex: -1, step: undefined, outcome: Promise.resolve({ ok: false, detail: '', durationMs: 0 }) };
    // Set synchronously, before any await: two triggers at once must not start two recoveries.
    this.state = { kind: 'recovering', run, window };
    // The used count, and for an operator's restart of a held service the lifted hold.
    if (origin !== 'operator' || isPortHold(state)) this.saveBudget();
    // Results of checks begun before the restart say nothing about the service after it.
    this.checks.stop();
    if (window) window.troubled = true;
    run.outcome = this.runRecovery(run).then(async (outcome) => {
      await this.queue.push({ type: 'recovery_done', ok: outcome.ok, blocked: outcome.blockedPort !== undefined && outcome.blocked ? { port: outcome.blockedPort, detail: outcome.blocked } : undefined });
      return outcome;
    });
    return { accepted: true, outcome: run.outcome };
  }

  private async runRecovery(run: RecoveryRun): Promise<RecoveryOutcome> {
    const t0 = run.startedAt;
    const emit = (e: EventInput) => this.emit(run.requestId ? { ...e, requestId: run.requestId } : e);
    const spent = run.origin === 'operator' ? 'an operator restart, outside the budget' : `recovery ${this.budget.used} of ${this.budget.max}`;
    emit({ type: 'recovery_started', reason: run.reason, origin: run.origin, attempt: this.budget.used, budgetMax: this.budget.max, detail: `${spent}: ${run.reason}` });
    const ctx = this.stepContext();
    const failures: string[] = [];
    const stopped = () => this.state.kind === 'stopped';
    let conflict: PortConflict | undefined;
    for (const [index, step] of this.steps.entries()) {
      if (stopped()) break;
      run.stepIndex = index;
      run.step = step.name;
      emit({ type: 'step_started', step: step.name, detail: step.name });
      const s0 = this.clock.now();
      let verdict;
      try {
        verdict = await step.run(ctx);
      } catch (err) {
        verdict = { ok: false, detail: (err as Error).message ?? String(err) };
      }
      const durationMs = this.clock.now() - s0;
      if (verdict.ok) {
        emit({ type: 'step_succeeded', step: step.name, durationMs, detail: verdict.detail });
        const verified = this.clock.now() - t0;
        // Serving is what people wait for; the watch after it only proves it lasts.
        const serving = verdict.servingAt !== undefined ? Math.max(0, verdict.servingAt - t0) : verified;
        const outcome: RecoveryOutcome = { ok: true, step: step.name, detail: verdict.detail, durationMs: verified, timeToServingMs: serving, timeToVerifiedMs: verified };
        this.lastRecovery = { ...outcome, at: this.clock.now() };
        emit({
          type: 'recovery_succeeded',
          step: step.name,
          durationMs: verified,
          timeToServingMs: serving,
          timeToVerifiedMs: verified,
          detail: `recovered by ${step.name}: serving again after ${serving} ms (verified after ${verified} ms)`,
        });
        return outcome;
      }
      // Another process holds the port: every later step restarts the same way and fails
      // the same way, so stop here rather than spend the budget on it. Process services
      // only, whose output is in memory; a systemd unit's journal is read by step 3, whose
      // error patterns name the line.
      conflict = stopped() || !ownsProcesses(this.manager.kind) ? undefined : await this.portConflict(s0);
      const blocked = conflict?.detail;
      const detail = blocked ? `${verdict.detail}; ${blocked}` : verdict.detail;
      failures.push(`${step.name}: ${detail}`);
      emit({ type: 'step_failed', step: step.name, durationMs, detail });
      if (blocked) break;
    }
    const outcome: RecoveryOutcome = { ok: false, detail: stopped() ? 'watcher stopped' : failures.join('; '), durationMs: this.clock.now() - t0 };
    const blocked = conflict?.detail;
    if (conflict) {
      outcome.blocked = conflict.detail;
      outcome.blockedPort = conflict.port;
    }
    this.lastRecovery = { ...outcome, at: this.clock.now() };
    emit({ type: 'recovery_failed', durationMs: outcome.durationMs, detail: blocked ? `stopped after ${run.step}: ${blocked}` : `all ${this.steps.length} steps failed` });
    return outcome;
  }

  /**
   * "Address already in use" in the service's output since `sinceMs`, with another
   * process (not one of the service's own) listening on the port: says who, else undefined.
   */
  private async portConflict(sinceMs: number): Promise<PortConflict | undefined> {
    let lines: string[];
    try {
      lines = (await this.manager.recentLogs(sinceMs)).map((l) => l.text);
    } catch {
      return undefined;
    }
    const line = lines.find((l) => /EADDRINUSE|address already in use/i.test(l));
    if (!line) return undefined;
    const named = portOfAddressInUse(line);
    const ports = named !== undefined ? [named] : this.declaredPorts();
    const own = new Set(await this.manager.pids().catch(() => [] as number[]));
    for (const port of ports) {
      const holders = this.portHolders(port).filter((h) => !own.has(h.pid));
      if (holders.length > 0) {
        const who = summariseList(holders.map((h) => `pid ${h.pid} (${h.command})`), 5, ', ');
        return { port, detail: `address already in use: port ${port} is held by ${who}, not by ${this.name}; a restart cannot free it` };
      }
    }
    return undefined;
  }

  /** True while a process that is not one of the service's own listens on `port`. */
  private async portTakenByOther(port: number): Promise<boolean> {
    const own = new Set(await this.manager.pids().catch(() => [] as number[]));
    return this.portHolders(port).some((h) => !own.has(h.pid));
  }

  /** The TCP ports the service's checks connect to. */
  private declaredPorts(): number[] {
    const ports = new Set<number>();
    for (const c of this.checks.checks) for (const port of checkPorts(c.spec)) ports.add(port);
    return [...ports];
  }

  /** Writes the used count and, while the state holds a port, that hold. */
  private saveBudget(): void {
    const state = this.state;
    const hold: HoldRecord | undefined = isPortHold(state) ? { kind: 'address_in_use', port: state.cause.port, detail: state.cause.detail, sinceMs: state.since } : undefined;
    try {
      this.budgetStore?.save({ used: this.budget.used, ...(hold ? { hold } : {}), updatedAtMs: this.clock.now() });
    } catch (err) {
      this.onError(err, 'budget store');
    }
  }

  /**
   * Holds the service again if an earlier agent held it for a port (and no live copy of it
   * was adopted: then the service is ours and the port with it). The next look at the
   * service decides: healthy lifts the hold, down is refused without a recovery.
   */
  private takeUpSavedHold(): void {
    const hold = this.savedHold;
    this.savedHold = undefined;
    if (!hold) return;
    if (this.state.kind !== 'watching' || !this.service.recovery.enabled) {
      // Not held after all (an adopted copy serves; recovery is off now): no later agent may take it up either.
      this.saveBudget();
      return;
    }
    this.state = { kind: 'budget_spent', since: hold.sinceMs, cause: { kind: 'address_in_use', port: hold.port, detail: hold.detail, announced: false }, window: undefined };
  }

  /**
   * The end of a recovery, in turn with the other inputs. After a success the checks start
   * afresh, the monitoring window opens (or is extended) and the service is looked at
   * again at once: a crash right after it was verified is answered now, not a poll later.
   * After a failure the poll's pause stands.
   */
  private async finishRecovery(ok: boolean, blocked: PortConflict | undefined): Promise<void> {
    const state = this.state;
    if (state.kind !== 'recovering') return;
    let window = state.window;
    if (ok) {
      this.checks.reset();
      if (window?.monitor.active) {
        window.monitor.begin(this.clock.now());
      } else {
        const r = this.service.recovery;
        window = { monitor: new RecoveryMonitor(r.monitorEvery, r.monitorFor, r.monitorFailures), troubled: false };
        window.monitor.begin(this.clock.now());
        this.state = { ...state, window };
        this.emit({
          type: 'monitoring_started',
          untilMs: window.monitor.until!,
          everyMs: window.monitor.everyMs,
          detail: `sampling every ${window.monitor.everyMs} ms for ${window.monitor.forMs} ms; ${window.monitor.failuresForRecurrence} failed samples in a row are a recurrence`,
        });
        this.scheduleMonitorTick();
      }
    }
    // Refresh what the snapshot shows before it stops saying "recovering": a heartbeat in
    // between would report the old process, or a failure already dealt with.
    await this.readStatus();
    if (this.state.kind !== 'recovering') return;
    this.state = settled(window);
    this.checks.start();
    if (blocked) {
      this.state = { kind: 'budget_spent', since: this.clock.now(), cause: { kind: 'address_in_use', port: blocked.port, detail: blocked.detail, announced: true }, window };
      this.saveBudget();
      this.emit({
        type: 'recovery_exhausted',
        used: this.budget.used,
        max: this.budget.max,
        windowMs: this.budget.windowMs,
        detail: `not restarting ${this.name} again: ${blocked.detail}. ${HOLD_REMEDY}`,
      });
      return;
    }
    if (ok) await this.evaluate();
  }

  private verifyDeps(): VerifyDeps {
    const probes: Probe[] = this.checks.checks
      .filter((c) => servesTraffic(c.spec))
      .map((c) => ({ check: c.check, failuresBeforeCritical: c.spec.failuresBeforeCritical }));
    return {
      manager: this.manager,
      clock: this.clock,
      sleeper: this.sleeper,
      signal: this.abort.signal,
      // Only checks that show the service serving (CheckKind.servesTraffic) gate a start.
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

  private scheduleMonitorTick(): void {
    // One tick chain at a time, whichever window it serves.
    if (this.monitorTimer || this.state.kind === 'stopped') return;
    const window = windowOf(this.state);
    if (!window?.monitor.active) return;
    this.monitorTimer = this.clock.setTimeout(() => {
      this.monitorTimer = undefined;
      void this.queue.push({ type: 'monitor_tick' }).finally(() => this.scheduleMonitorTick());
    }, window.monitor.everyMs);
  }

  /**
   * A fresh look (status and every check, each result counting on its own: the monitor's
   * "2 in a row" is the hysteresis here) plus whatever went wrong since the last sample.
   */
  private async monitorSample(): Promise<void> {
    const window = windowOf(this.state);
    if (!window?.monitor.active) return;
    let checkFailed = false;
    if (this.state.kind !== 'recovering') {
      await this.readStatus();
      const results = await this.checks.runAll();
      checkFailed = results.some((r) => r !== undefined && !r.ok);
      await this.evaluate();
    }
    if (this.state.kind === 'stopped') return;
    const st = this.seen?.status;
    const down = st !== undefined && st.state !== 'running';
    const failed = window.troubled || checkFailed || down || this.state.kind === 'recovering' || this.problem() !== undefined;
    window.troubled = false;
    const r = window.monitor.sample(failed, this.clock.now());
    if (r.outcome === 'continue') return;
    if (r.outcome === 'recurrence') {
      this.emit({ type: 'recurrence', consecutiveFailures: r.consecutiveFailures, detail: `${r.consecutiveFailures} failed samples in a row after a recovery: ${this.problem() ?? 'recovered again in between'}` });
      this.emit({ type: 'monitoring_ended', outcome: 'recurrence', detail: 'recurrence' });
    } else {
      this.emit({ type: 'monitoring_ended', outcome: 'stable', detail: `no recurrence within ${window.monitor.forMs} ms` });
    }
    this.closeWindow(window);
  }

  /** The window ended: the state drops it. */
  private closeWindow(window: MonitorWindow): void {
    const state = this.state;
    if (windowOf(state) !== window) return;
    switch (state.kind) {
      case 'monitoring':
        this.state = { kind: 'watching', skipNoticed: false };
        return;
      case 'recovering':
      case 'budget_spent':
        this.state = { ...state, window: undefined };
        return;
      case 'idle':
      case 'watching':
      case 'adopted':
      case 'stopped':
        return;
    }
  }
}

/** What an operator does about a service held for its port. */
const HOLD_REMEDY = 'Stop that process or move one of them to another port, then restart the service (or reset its budget) through the coordinator';

function isPortHold(state: WatcherState): state is Extract<WatcherState, { kind: 'budget_spent' }> & { cause: { kind: 'address_in_use' } } {
  return state.kind === 'budget_spent' && state.cause.kind === 'address_in_use';
}
