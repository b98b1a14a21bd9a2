import type { ExitNotice } from '../services/manager.js';
import type { RecoveryOrigin, StepName } from './events.js';
import type { RecoveryMonitor } from './monitor.js';

/**
 * The monitoring window after a successful recovery (runbook 4). It outlives a recovery
 * that starts inside it (a recurrence is counted across it), so the states that can hold
 * it carry it along.
 */
export interface MonitorWindow {
  monitor: RecoveryMonitor;
  /** Something went wrong since the last sample. */
  troubled: boolean;
}

/** One recovery under way. */
export interface RecoveryRun {
  reason: string;
  origin: RecoveryOrigin;
  /** The request that asked for it, when one did. */
  requestId: string;
  startedAt: number;
  /** 0-based index of the step running now, -1 before the first. */
  stepIndex: number;
  step: StepName | undefined;
  outcome: Promise<import('./watcher.js').RecoveryOutcome>;
}

/**
 * Where a service watcher is. One value, replaced by each transition; every input is
 * judged against it in one serial queue (see watcher.ts).
 *
 * - `idle`: built, not started.
 * - `watching`: polling and checking; `skipNoticed` once it has said that it will not act
 *   on a problem because recovery is disabled (said again only after the service was healthy).
 * - `adopted`: as watching, for a process service found running at start that this
 *   agent did not start (it outlived an earlier agent); left at the first recovery.
 * - `monitoring`: watching, inside the window after a successful recovery.
 * - `recovering`: running the recovery sequence, at `run.stepIndex`.
 * - `budget_spent`: a recovery was needed and the budget had none left (or a restart
 *   cannot help: another process holds the port); only an operator action, a whole stable
 *   window (or, for a held port, the service seen healthy) brings it back. A held port is
 *   saved with the budget and held again by the next agent.
 * - `stopped`: nothing more is done or reported.
 */
export type WatcherState =
  | { kind: 'idle' }
  | { kind: 'watching'; skipNoticed: boolean }
  | { kind: 'adopted'; pid: number; since: number }
  | { kind: 'monitoring'; window: MonitorWindow }
  | { kind: 'recovering'; run: RecoveryRun; window: MonitorWindow | undefined }
  | { kind: 'budget_spent'; since: number; cause: HoldCause; window: MonitorWindow | undefined }
  | { kind: 'stopped' };

export type WatcherStateKind = WatcherState['kind'];

/**
 * Why the watcher stopped acting: the budget ran out, or a restart cannot help because
 * another process holds the service's port (restarting would only spend the budget).
 */
export type HoldCause =
  | { kind: 'budget' }
  /**
   * `announced` is false for a hold carried over from an earlier agent (the data dir)
   * until the service is first found down under it: only then is it reported again, so a
   * service that comes up on its own at start is not reported as held.
   */
  | { kind: 'address_in_use'; port: number; detail: string; announced: boolean };

/** Another process listens on the service's port: which port, and who (for people). */
export interface PortConflict {
  port: number;
  detail: string;
}

/** Inputs to the watcher's serial queue. */
export type WatcherInput =
  | { type: 'initial' }
  | { type: 'exit'; notice: ExitNotice }
  | { type: 'poll' }
  | { type: 'check_verdict' }
  | { type: 'monitor_tick' }
  | { type: 'recovery_done'; ok: boolean; blocked: PortConflict | undefined };

/** The monitoring window a state carries, if any. */
export function windowOf(state: WatcherState): MonitorWindow | undefined {
  switch (state.kind) {
    case 'monitoring':
    case 'recovering':
    case 'budget_spent':
      return state.window;
    case 'idle':
    case 'watching':
    case 'adopted':
    case 'stopped':
      return undefined;
  }
}

/** The state to return to when nothing is under way: monitoring if a window is open, else watching. */
export function settled(window: MonitorWindow | undefined): WatcherState {
  return window && window.monitor.active ? { kind: 'monitoring', window } : { kind: 'watching', skipNoticed: false };
}
