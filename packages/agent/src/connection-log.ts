import { systemClock, type Clock, type Logger } from '@vigil/shared';
import { describeError } from './errors.js';

/**
 * Logs connection transitions, not retries. While no coordinator answers, the agent may
 * retry every few seconds for hours; one warning when the outage starts, one line per
 * failover route, a reminder every `summaryEveryMs` and one line on recovery say the same
 * as thousands of identical lines.
 */
export class ConnectionLog {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly summaryEveryMs: number;
  /** Failed attempts since the last Welcome. */
  private failures = 0;
  private streakStartedAt = 0;
  private lastSummaryAt = 0;
  private readonly failoversLogged = new Set<string>();

  constructor(logger: Logger, clock: Clock = systemClock, summaryEveryMs = 60_000) {
    this.logger = logger;
    this.clock = clock;
    this.summaryEveryMs = summaryEveryMs;
  }

  connected(target: string, coordinatorId: string): void {
    const down = this.failures > 0 ? { failedAttempts: this.failures, downForMs: this.clock.now() - this.streakStartedAt } : {};
    this.logger.info({ event: 'connected', target, coordinatorId, ...down }, `connected to coordinator ${coordinatorId} at ${target}`);
    this.failures = 0;
    this.failoversLogged.clear();
  }

  disconnected(target: string, reason: unknown): void {
    this.logger.warn({ event: 'disconnected', target, reason: describeError(reason) }, `lost the stream to ${target}`);
  }

  attemptFailed(target: string, reason: unknown, nextTarget: string, delayMs: number): void {
    const now = this.clock.now();
    const detail = { target, reason: describeError(reason), nextTarget, retryInMs: delayMs };
    this.failures++;
    const refusal = duplicateRefusal(reason);
    if (refusal !== undefined && (this.failures === 1 || now - this.lastSummaryAt >= this.summaryEveryMs)) {
      // Not a network problem: another agent runs with this host id. Said at error level,
      // at the start and then every summary period, as long as it lasts.
      if (this.failures === 1) this.streakStartedAt = now;
      this.lastSummaryAt = now;
      this.logger.error(
        { event: 'refused_duplicate', failedAttempts: this.failures, downForMs: now - this.streakStartedAt, ...detail },
        `coordinator at ${target} refused this agent: ${refusal}; retrying in ${delayMs} ms`,
      );
    } else if (this.failures === 1) {
      this.streakStartedAt = now;
      this.lastSummaryAt = now;
      this.logger.warn({ event: 'connect_failed', ...detail }, `cannot connect to ${target}`);
    } else if (now - this.lastSummaryAt >= this.summaryEveryMs) {
      this.lastSummaryAt = now;
      this.logger.warn({ event: 'still_disconnected', failedAttempts: this.failures, downForMs: now - this.streakStartedAt, ...detail }, 'still no coordinator');
    } else {
      this.logger.debug({ event: 'connect_failed', ...detail }, `cannot connect to ${target}`);
    }
    const route = `${target}->${nextTarget}`;
    if (nextTarget !== target && !this.failoversLogged.has(route)) {
      this.failoversLogged.add(route);
      this.logger.info({ event: 'failover', from: target, to: nextTarget }, `failing over from ${target} to ${nextTarget}`);
    }
  }
}

/** gRPC ALREADY_EXISTS: the coordinator already has a live stream from another agent with this host id. */
const ALREADY_EXISTS = 6;

/** The coordinator's explanation when it refused this agent as a duplicate, else undefined. */
export function duplicateRefusal(reason: unknown): string | undefined {
  const e = reason as { code?: unknown; details?: unknown } | null;
  if (!e || e.code !== ALREADY_EXISTS) return undefined;
  return typeof e.details === 'string' && e.details ? e.details : 'another agent holds the stream for this host id';
}
