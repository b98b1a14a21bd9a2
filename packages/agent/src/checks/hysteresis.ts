import { runCheck, type CheckContext, type CheckResult, type HealthCheck } from './check.js';

export type CheckState = 'passing' | 'failing';

export interface HysteresisOptions {
  /** Consecutive failures before the state turns failing (Consul's failures_before_critical). @default 2 */
  failuresBeforeCritical?: number;
  /** Consecutive passes before a failing state turns passing (Consul's success_before_passing). @default 2 */
  successesBeforePassing?: number;
  /** A service is assumed healthy until it is seen failing. @default 'passing' */
  initial?: CheckState;
}

export interface HysteresisVerdict {
  state: CheckState;
  /** The state changed with this result. */
  changed: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

/**
 * Stops flapping: one bad (or good) result does not flip the state; N in a row do. Pure
 * state, fed one result at a time.
 */
export class Hysteresis {
  private readonly failuresBeforeCritical: number;
  private readonly successesBeforePassing: number;
  private readonly initial: CheckState;
  private current: CheckState;
  private failures = 0;
  private successes = 0;

  constructor(options: HysteresisOptions = {}) {
    this.failuresBeforeCritical = options.failuresBeforeCritical ?? 2;
    this.successesBeforePassing = options.successesBeforePassing ?? 2;
    this.initial = options.initial ?? 'passing';
    this.current = this.initial;
  }

  get state(): CheckState {
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  get consecutiveSuccesses(): number {
    return this.successes;
  }

  record(ok: boolean): HysteresisVerdict {
    const before = this.current;
    if (ok) {
      this.successes++;
      this.failures = 0;
      if (this.current === 'failing' && this.successes >= this.successesBeforePassing) this.current = 'passing';
    } else {
      this.failures++;
      this.successes = 0;
      if (this.current === 'passing' && this.failures >= this.failuresBeforeCritical) this.current = 'failing';
    }
    return { state: this.current, changed: before !== this.current, consecutiveFailures: this.failures, consecutiveSuccesses: this.successes };
  }

  /** Back to the initial state with no history, e.g. after a restart. */
  reset(): void {
    this.current = this.initial;
    this.failures = 0;
    this.successes = 0;
  }
}

/** A check's result together with its hysteresis verdict. */
export interface JudgedResult extends CheckResult, HysteresisVerdict {}

/** A check wrapped with its hysteresis: each run is judged against the ones before. */
export class HysteresisCheck {
  readonly hysteresis: Hysteresis;
  constructor(
    readonly check: HealthCheck,
    options: HysteresisOptions = {},
  ) {
    this.hysteresis = new Hysteresis(options);
  }

  get name(): string {
    return this.check.name;
  }

  get state(): CheckState {
    return this.hysteresis.state;
  }

  async run(ctx: CheckContext): Promise<JudgedResult> {
    const result = await runCheck(this.check, ctx);
    return { ...result, ...this.hysteresis.record(result.ok) };
  }
}
