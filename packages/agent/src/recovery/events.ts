import type { ServiceState } from '../services/manager.js';

/** The runbook's automatic recovery sequence (section 3), in order. */
export type StepName = 'step_1_graceful_restart' | 'step_2_force_restart' | 'step_3_system_recovery';

/** Who asked for a recovery: the watcher itself, the coordinator (`requestRecovery`), or an operator (`requestRestart`). */
export type RecoveryOrigin = 'auto' | 'requested' | 'operator';

interface EventBase {
  /** The service's declared name. */
  service: string;
  /** Epoch ms, on the watcher's clock. */
  at: number;
  /** One human-readable line. */
  detail: string;
  /** The coordinator or operator request that caused it, when one did. */
  requestId?: string;
}

/**
 * Everything a watcher reports. Sequence numbers and durable storage are added downstream;
 * consumers switch on `type` exhaustively.
 */
export type RecoveryEvent =
  | (EventBase & { type: 'status_changed'; from: ServiceState | null; to: ServiceState; pids: number[] })
  | (EventBase & { type: 'check_failed'; check: string; consecutiveFailures: number; critical: boolean; durationMs: number })
  | (EventBase & { type: 'check_passed'; check: string; durationMs: number })
  | (EventBase & { type: 'recovery_started'; reason: string; origin: RecoveryOrigin; attempt: number; budgetMax: number })
  | (EventBase & { type: 'step_started'; step: StepName })
  | (EventBase & { type: 'step_succeeded'; step: StepName; durationMs: number })
  | (EventBase & { type: 'step_failed'; step: StepName; durationMs: number })
  | (EventBase & {
      type: 'recovery_succeeded';
      step: StepName;
      /** The whole recovery, the step's verification (post-restart watch) included: time to verified. */
      durationMs: number;
      /** From the recovery's start until the service ran and passed its probes again. */
      timeToServingMs: number;
      timeToVerifiedMs: number;
    })
  | (EventBase & { type: 'recovery_failed'; durationMs: number })
  | (EventBase & { type: 'recovery_exhausted'; used: number; max: number; windowMs: number })
  | (EventBase & { type: 'recovery_skipped'; reason: 'disabled' })
  | (EventBase & { type: 'monitoring_started'; untilMs: number; everyMs: number })
  | (EventBase & { type: 'monitoring_ended'; outcome: 'stable' | 'recurrence' })
  | (EventBase & { type: 'recurrence'; consecutiveFailures: number })
  | (EventBase & { type: 'budget_reset'; stableForMs: number; used: number })
  | (EventBase & { type: 'service_adopted'; pid: number; pgid: number; sinceMs: number });

export type RecoveryEventType = RecoveryEvent['type'];

/** Distributes Omit over the union, so each member keeps its own fields. */
export type EventInput = RecoveryEvent extends infer E ? (E extends RecoveryEvent ? Omit<E, 'service' | 'at'> : never) : never;
