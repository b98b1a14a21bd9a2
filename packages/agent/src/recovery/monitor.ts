/**
 * Continuous monitoring after a successful recovery (runbook 4): a sample every
 * `everyMs` for `forMs`; `failuresForRecurrence` failed samples in a row are a recurrence.
 * Pure state; the watcher takes the samples.
 */
export class RecoveryMonitor {
  private untilMs: number | undefined;
  private failures = 0;

  constructor(
    readonly everyMs: number,
    readonly forMs: number,
    readonly failuresForRecurrence: number,
  ) {}

  get active(): boolean {
    return this.untilMs !== undefined;
  }

  get until(): number | undefined {
    return this.untilMs;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * Starts monitoring, or, when a recovery succeeds while monitoring is on, extends it
   * without forgetting the failures seen so far (else a service that dies and is revived
   * between two samples would never count as recurring).
   */
  begin(now: number): 'started' | 'extended' {
    const wasActive = this.active;
    this.untilMs = now + this.forMs;
    if (!wasActive) this.failures = 0;
    return wasActive ? 'extended' : 'started';
  }

  sample(failed: boolean, now: number): { outcome: 'continue' | 'recurrence' | 'stable'; consecutiveFailures: number } {
    if (!this.active) return { outcome: 'continue', consecutiveFailures: 0 };
    this.failures = failed ? this.failures + 1 : 0;
    const consecutiveFailures = this.failures;
    if (this.failures >= this.failuresForRecurrence) {
      this.end();
      return { outcome: 'recurrence', consecutiveFailures };
    }
    if (now >= this.untilMs!) {
      this.end();
      return { outcome: 'stable', consecutiveFailures };
    }
    return { outcome: 'continue', consecutiveFailures };
  }

  end(): void {
    this.untilMs = undefined;
    this.failures = 0;
  }
}
