import type { Clock } from '@vigil/shared';
import type { ServiceManager } from '../../services/manager.js';
import type { RecoverySettings, ServiceSpec } from '../../services/schema.js';
import type { StepName } from '../events.js';
import type { StartMark, Verdict } from '../verify.js';

/** What a recovery step may use; built by the watcher for each recovery. */
export interface StepContext {
  readonly service: ServiceSpec;
  readonly manager: ServiceManager;
  readonly clock: Clock;
  readonly settings: RecoverySettings;
  /** Call just before issuing a start; pass the mark to `verifyRunning`. */
  markStart(): StartMark;
  /** Waits for the service to be running (and serving) after the start marked by `mark`. */
  verifyRunning(mark: StartMark): Promise<Verdict>;
  /** Watches the service for `ms`; fails when it goes down or its probes fail. */
  watch(ms: number): Promise<Verdict>;
  /** The service's log lines since `sinceMs` (its manager's, plus any log files plugged in). */
  readLogs(sinceMs: number): Promise<string[]>;
  /** True when the lines show one of the root-cause error patterns. */
  hasErrorPattern(lines: readonly string[]): boolean;
}

/** One step of the runbook's recovery sequence (one file each, registered in steps/index.ts). */
export interface RecoveryStep {
  readonly name: StepName;
  run(ctx: StepContext): Promise<Verdict>;
}
