export { RecoveryBudget } from './budget.js';
export type { EventInput, RecoveryEvent, RecoveryEventType, RecoveryOrigin, StepName } from './events.js';
export { RecoveryMonitor } from './monitor.js';
export { Notifier, type EventSource } from './notifier.js';
export { hasRunbookErrorPattern, RUNBOOK_ERROR_PATTERNS, type ErrorPatternMatcher } from './patterns.js';
export { forceRestart, gracefulRestart, RECOVERY_STEPS, systemRecovery, type RecoveryStep, type StepContext } from './steps/index.js';
export { markStart, verifyRunning, watchService, type Probe, type StartMark, type Verdict, type VerifyDeps } from './verify.js';
export { SerialQueue } from './queue.js';
export type { MonitorWindow, RecoveryRun, WatcherInput, WatcherState, WatcherStateKind } from './state.js';
export { Sleeper, type WakeReason } from './wake.js';
export {
  ServiceWatcher,
  type CheckSnapshot,
  type RecoveryOutcome,
  type RecoveryRefusal,
  type RecoveryRequest,
  type ServiceSnapshot,
  type ServiceWatcherOptions,
} from './watcher.js';
export { logRecoveryEvent, type BudgetFigures } from './log.js';
export { budgetFile, budgetRecordSchema, holdRecordSchema, type BudgetRecord, type BudgetStore, type HoldRecord } from './budget-store.js';
export type { HoldCause } from './state.js';
