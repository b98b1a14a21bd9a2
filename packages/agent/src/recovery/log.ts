import type { Logger } from '@vigil/shared';
import type { RecoveryEvent } from './events.js';

/** The budget as it stands when the event is logged. */
export interface BudgetFigures {
  used: number;
  max: number;
}

type Level = 'info' | 'warn';

/**
 * What the agent's own log says about each watcher event, as monit does: every recovery
 * step, its outcome and every budget change, with the service's name and structured
 * fields (`service`, `step`, `outcome`, `budgetUsed`, `budgetMax`, `requestId`). Routine
 * observations (a check passing) are debug; anything an operator would act on is warn.
 */
export function logRecoveryEvent(logger: Logger, e: RecoveryEvent, budget: BudgetFigures): void {
  const base = { event: e.type, service: e.service, ...(e.requestId ? { requestId: e.requestId } : {}) };
  const budgetFields = { budgetUsed: budget.used, budgetMax: budget.max };
  const say = (level: Level, fields: Record<string, unknown>, msg: string) => logger[level]({ ...base, ...fields }, msg);
  switch (e.type) {
    case 'status_changed':
      return say(e.to === 'running' || e.to === 'starting' ? 'info' : 'warn', { from: e.from, to: e.to, pids: e.pids }, `${e.service}: ${e.detail}`);
    case 'check_failed':
      return say(e.critical ? 'warn' : 'info', { check: e.check, consecutiveFailures: e.consecutiveFailures, critical: e.critical }, `${e.service}: check ${e.check} failed (${e.consecutiveFailures} in a row${e.critical ? ', critical' : ''}): ${e.detail}`);
    case 'check_passed':
      return logger.debug({ ...base, check: e.check }, `${e.service}: check ${e.check} passing again`);
    case 'recovery_started':
      return say('warn', { origin: e.origin, reason: e.reason, attempt: e.attempt, ...budgetFields }, `${e.service}: recovery started (${e.detail})`);
    case 'step_started':
      return say('info', { step: e.step }, `${e.service}: ${e.step} started`);
    case 'step_succeeded':
      return say('info', { step: e.step, outcome: 'succeeded', durationMs: e.durationMs }, `${e.service}: ${e.step} succeeded in ${e.durationMs} ms: ${e.detail}`);
    case 'step_failed':
      return say('warn', { step: e.step, outcome: 'failed', durationMs: e.durationMs }, `${e.service}: ${e.step} failed after ${e.durationMs} ms: ${e.detail}`);
    case 'recovery_succeeded':
      return say(
        'info',
        { step: e.step, outcome: 'recovered', timeToServingMs: e.timeToServingMs, timeToVerifiedMs: e.timeToVerifiedMs, ...budgetFields },
        `${e.service}: ${e.detail}; budget ${budget.used} of ${budget.max} used`,
      );
    case 'recovery_failed':
      return say('warn', { outcome: 'failed', durationMs: e.durationMs, ...budgetFields }, `${e.service}: recovery failed: ${e.detail}; budget ${budget.used} of ${budget.max} used`);
    case 'recovery_exhausted':
      return say('warn', { outcome: 'exhausted', windowMs: e.windowMs, budgetUsed: e.used, budgetMax: e.max }, `${e.service}: not acting any more: ${e.detail}`);
    case 'recovery_skipped':
      return say('warn', { outcome: 'skipped', reason: e.reason }, `${e.service}: ${e.detail}`);
    case 'monitoring_started':
      return say('info', { untilMs: e.untilMs, everyMs: e.everyMs }, `${e.service}: monitoring after the recovery: ${e.detail}`);
    case 'monitoring_ended':
      return say(e.outcome === 'stable' ? 'info' : 'warn', { outcome: e.outcome }, `${e.service}: monitoring ended: ${e.detail}`);
    case 'recurrence':
      return say('warn', { outcome: 'recurrence', consecutiveFailures: e.consecutiveFailures }, `${e.service}: ${e.detail}`);
    case 'budget_reset':
      return say('info', { forgiven: e.used, stableForMs: e.stableForMs, ...budgetFields }, `${e.service}: ${e.detail}; budget ${budget.used} of ${budget.max} used`);
    case 'service_adopted':
      return say('info', { pid: e.pid, pgid: e.pgid, sinceMs: e.sinceMs }, `${e.service}: ${e.detail}`);
  }
}
