import type { Clock } from '@vigil/shared';

export type ReadinessReport = { ready: true } | { ready: false; reasons: string[] };

/**
 * Whether the coordinator is doing its job, as opposed to merely running (`/healthz`):
 * it can write its store and its events reach NATS. The parts that write and publish
 * report into it; `GET /readyz` reads it.
 *
 * A store write failure makes it unready at once (an ack would be a lie); publishing may
 * lag through a short NATS hiccup, so only events waiting longer than `publishGraceMs`
 * without progress do.
 */
export class Readiness {
  private storeError: { message: string; since: number } | undefined;
  private publishStuckSince: number | undefined;

  constructor(
    private readonly clock: Clock,
    /** How long events may wait unpublished before the coordinator is not ready, in ms. */
    private readonly publishGraceMs: number,
  ) {}

  /** A store write failed; the first failure of a run is kept as its start. */
  storeFailed(err: Error): void {
    this.storeError = { message: err.message, since: this.storeError?.since ?? this.clock.now() };
  }

  /** A store write committed. */
  storeOk(): void {
    this.storeError = undefined;
  }

  /**
   * Events have been waiting without a successful publish since `since` (epoch ms), or
   * `undefined` when the outbox is drained or publishing makes progress.
   */
  publishFailing(since: number | undefined): void {
    this.publishStuckSince = since;
  }

  /** True once events have waited beyond the grace. */
  publishOverdue(): boolean {
    return this.publishStuckSince !== undefined && this.clock.now() - this.publishStuckSince > this.publishGraceMs;
  }

  check(): ReadinessReport {
    const now = this.clock.now();
    const reasons: string[] = [];
    if (this.storeError) {
      reasons.push(`store cannot write since ${new Date(this.storeError.since).toISOString()}: ${this.storeError.message}`);
    }
    if (this.publishStuckSince !== undefined && this.publishOverdue()) {
      const s = Math.round((now - this.publishStuckSince) / 1000);
      reasons.push(`events not published for ${s}s (since ${new Date(this.publishStuckSince).toISOString()}; grace ${this.publishGraceMs / 1000}s)`);
    }
    return reasons.length === 0 ? { ready: true } : { ready: false, reasons };
  }
}
