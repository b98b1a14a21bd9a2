import type { Clock, TimerHandle } from '@vigil/shared';
import type { Cadence } from './cadence.js';

/** A timer this late means the agent's own event loop was stuck (GC, blocking work). */
export const STALL_REPORT_MIN_MS = 250;

/**
 * Sends liveness at the period the Welcome granted, apart from the heartbeats:
 * the coordinator judges the host by these (about two periods of quiet and it is silent),
 * so they carry nothing to sample, store or ack. How late its own timer fired is the
 * agent's event-loop stall, reported in the message so that a stall the coordinator took
 * for an outage is named as the agent's own when the agent comes back.
 *
 * It ticks on the agent's grid (Cadence), not a period after Welcome: every few ticks then
 * fall in the wake-up that samples and checks anyway, and the heartbeat rides another
 * (agent.ts). Waking an idle agent costs more than what it does once awake
 * (bench/agent-footprint/README.md).
 */
export class LivenessPump {
  private timer: TimerHandle | undefined;
  private dueAt = 0;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly cadence: Cadence,
    readonly periodMs: number,
    /**
     * Sends one liveness, as a datagram or a stream message (skipped when the stream is
     * closed or backed up: the next will do), with the stall before it.
     */
    private readonly send: (agentStallMs: number) => void,
  ) {
    if (!(periodMs > 0)) throw new RangeError(`liveness period must be positive, got ${periodMs}`);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm(this.cadence.delay(this.periodMs));
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Ticks now if a tick is due whose timer has not fired yet (another timer of the same
   * wake-up came first); the tick re-arms the timer as usual.
   */
  runIfDue(): void {
    if (!this.running || this.clock.now() < this.dueAt) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.tick();
  }

  private arm(waitMs: number): void {
    this.dueAt = this.clock.now() + waitMs;
    this.timer = this.clock.setTimeout(() => this.tick(), waitMs);
  }

  private tick(): void {
    if (!this.running) return;
    const late = this.clock.now() - this.dueAt;
    this.send(late >= STALL_REPORT_MIN_MS ? Math.round(late) : 0);
    this.arm(this.cadence.delayAfter(this.dueAt, this.periodMs));
  }
}
