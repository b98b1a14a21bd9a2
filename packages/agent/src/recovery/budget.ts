/**
 * Restart-loop protection: at most `max` recoveries, after which the watcher stops acting
 * and only reports. The count goes back to 0 ONLY once the service has been seen running
 * and passing without a break for a whole `windowMs`. A counter that resets on each
 * successful restart (Monit's "N restarts within M cycles") lets a service that comes up
 * and dies again loop forever; this one does not.
 */
export class RecoveryBudget {
  private usedCount = 0;
  private stableSince: number | undefined;
  private exhaustionReported = false;

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`budget max must be a positive integer (got ${max})`);
    if (!(windowMs > 0)) throw new RangeError(`budget window must be positive (got ${windowMs})`);
  }

  get used(): number {
    return this.usedCount;
  }

  get exhausted(): boolean {
    return this.usedCount >= this.max;
  }

  /** Takes one recovery from the budget; false (and nothing taken) when it is spent. A recovery also breaks the stable streak. */
  consume(): boolean {
    if (this.exhausted) return false;
    this.usedCount++;
    this.stableSince = undefined;
    return true;
  }

  /**
   * Carries the count over from an earlier agent (read from the data dir), so restarting
   * the agent does not hand a crash-looping service a fresh budget. The stable streak is
   * not carried: nobody watched the service in between.
   */
  restore(used: number): void {
    this.usedCount = Math.max(0, Math.min(this.max, Math.floor(used)));
    this.stableSince = undefined;
  }

  /** Gives every used recovery back at once (an operator's decision); returns how many were used. */
  forgive(): number {
    const used = this.usedCount;
    this.usedCount = 0;
    this.stableSince = undefined;
    this.exhaustionReported = false;
    return used;
  }

  /** True the first time it is asked after the budget ran out, so exhaustion is reported once. */
  takeExhaustionNotice(): boolean {
    if (!this.exhausted || this.exhaustionReported) return false;
    this.exhaustionReported = true;
    return true;
  }

  /**
   * Feeds one observation of the service. Returns how long it had been stable when this
   * observation reset the budget, or undefined when it did not.
   */
  observe(healthy: boolean, now: number): { stableForMs: number; used: number } | undefined {
    if (!healthy) {
      this.stableSince = undefined;
      return undefined;
    }
    this.stableSince ??= now;
    const stableForMs = now - this.stableSince;
    if (this.usedCount > 0 && stableForMs >= this.windowMs) {
      const used = this.usedCount;
      this.usedCount = 0;
      this.exhaustionReported = false;
      return { stableForMs, used };
    }
    return undefined;
  }
}
