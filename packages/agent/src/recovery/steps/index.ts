import { forceRestart } from './force-restart.js';
import { gracefulRestart } from './graceful-restart.js';
import type { RecoveryStep } from './step.js';
import { systemRecovery } from './system-recovery.js';

export type { RecoveryStep, StepContext } from './step.js';
export { forceRestart, gracefulRestart, systemRecovery };

/** The runbook's sequence, tried in order until one succeeds. */
export const RECOVERY_STEPS: readonly RecoveryStep[] = [gracefulRestart, forceRestart, systemRecovery];
