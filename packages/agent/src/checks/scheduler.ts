import type { Clock, TimerHandle } from '@vigil/shared';
import type { Cadence } from '../cadence.js';
import type { CheckSpec } from './kinds.js';
import { runCheck, type CheckContext, type CheckResult, type HealthCheck } from './check.js';
import { Hysteresis, type CheckState, type HysteresisVerdict } from './hysteresis.js';

/** What a check loop reports each judged result to (Consul's CheckNotifier). */
export interface CheckNotifier {
  /** One run of `check` (from its loop or a round asked for) and its hysteresis verdict. */
  onResult(check: ScheduledCheck, result: CheckResult, verdict: HysteresisVerdict): void;
}

export interface CheckView {
  name: string;
  type: CheckSpec['type'];
  state: CheckState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  last?: CheckResult & { at: number };
}

interface LoopDeps {
  clock: Clock;
  cadence: Cadence;
  context: CheckContext;
  notifier: CheckNotifier;
}

/**
 * One check with its own loop and hysteresis: `start()` runs it every `spec.interval`
 * on the cadence grid, `stop()` ends the loop and drops any result still under way
 * (it was begun before whatever made the owner stop it, e.g. a restart).
 */
export class ScheduledCheck {
  readonly hysteresis: Hysteresis;
  private last: (CheckResult & { at: number }) | undefined;
  private timer: TimerHandle | undefined;
  private running = false;
  /** Bumped by `stop`: a result begun under an older generation is stale. */
  private generation = 0;
  private current: Promise<unknown> | undefined;

  constructor(
    readonly spec: CheckSpec,
    readonly check: HealthCheck,
    private readonly deps: LoopDeps,
  ) {
    this.hysteresis = new Hysteresis({ failuresBeforeCritical: spec.failuresBeforeCritical, successesBeforePassing: spec.successesBeforePassing });
  }

  get name(): string {
    return this.check.name;
  }

  get lastResult(): (CheckResult & { at: number }) | undefined {
    return this.last;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs the check now and judges it; undefined when a run was already under way or the result went stale. */
  async runOnce(): Promise<CheckResult | undefined> {
    if (this.current) return undefined;
    const generation = this.generation;
    const work = runCheck(this.check, this.deps.context);
    this.current = work;
    try {
      const result = await work;
      if (generation !== this.generation) return undefined;
      const verdict = this.hysteresis.record(result.ok);
      this.last = { ...result, at: this.deps.clock.now() };
      this.deps.notifier.onResult(this, result, verdict);
      return result;
    } finally {
      this.current = undefined;
    }
  }

  /** Settles once no run is under way. */
  async drain(): Promise<void> {
    await this.current?.catch(() => undefined);
  }

  view(): CheckView {
    return {
      name: this.check.name,
      type: this.spec.type,
      state: this.hysteresis.state,
      consecutiveFailures: this.hysteresis.consecutiveFailures,
      consecutiveSuccesses: this.hysteresis.consecutiveSuccesses,
      ...(this.last ? { last: { ...this.last } } : {}),
    };
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.runOnce()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, this.deps.cadence.delay(this.spec.interval));
  }
}

/**
 * The checks of one service: each has its own loop; the scheduler starts and stops them
 * together and answers what the owner asks (is one failing, a round now, a reset after a
 * restart). Judging lives here, the reaction to a verdict in the notifier.
 */
export class CheckScheduler {
  readonly checks: readonly ScheduledCheck[];

  constructor(entries: readonly { spec: CheckSpec; check: HealthCheck }[], deps: LoopDeps) {
    this.checks = entries.map((e) => new ScheduledCheck(e.spec, e.check, deps));
  }

  start(): void {
    for (const c of this.checks) c.start();
  }

  stop(): void {
    for (const c of this.checks) c.stop();
  }

  /** One round of every check now (each result judged and reported); a check already running is skipped. */
  runAll(): Promise<(CheckResult | undefined)[]> {
    return Promise.all(this.checks.map((c) => c.runOnce()));
  }

  /** The first check whose hysteresis says failing. */
  failing(): ScheduledCheck | undefined {
    return this.checks.find((c) => c.hysteresis.state === 'failing');
  }

  /** Every check back to passing with no history, e.g. after the service was restarted. */
  reset(): void {
    for (const c of this.checks) c.hysteresis.reset();
  }

  views(): CheckView[] {
    return this.checks.map((c) => c.view());
  }

  async drain(): Promise<void> {
    await Promise.all(this.checks.map((c) => c.drain()));
  }
}
