import { MAX_REPORTED_PIDS, type LogFinding, type ValidLogFinding, type ValidServiceStatus } from '@vigil/shared';
import type { AccessLogFigures } from '../logs/access-log-monitor.js';
import type { ServiceSnapshot } from '../recovery/watcher.js';

/** A watcher's snapshot as the contract's ServiceStatus; null until its first status read. */
export function serviceStatusToWire(
  s: ServiceSnapshot,
  errorRate: AccessLogFigures | null,
  log: { scanned: number; skipped: number } = { scanned: 0, skipped: 0 },
  memory: { bytes: number; percent: number } = { bytes: 0, percent: 0 },
): ValidServiceStatus | null {
  if (s.state === 'unknown') return null;
  // `starting` is a service on its way up under the agent's own hands (recovering is set):
  // it is neither down nor proven up, and the coordinator should not open an incident on it.
  const state = s.state === 'starting' ? 'running' : s.state;
  return {
    name: s.service,
    state,
    // A heartbeat the contract refuses would end the stream: a fork-heavy service lists its first PIDs only.
    pids: s.pids.slice(0, MAX_REPORTED_PIDS),
    checks: s.checks.map((c) => ({
      name: c.name,
      type: c.type,
      status: c.last === undefined ? 'pending' : c.state,
      consecutiveFailures: c.consecutiveFailures,
      consecutiveSuccesses: c.consecutiveSuccesses,
      responseMs: c.last?.durationMs ?? 0,
      detail: c.last?.detail ?? '',
    })),
    errorRate: errorRate
      ? { requests: errorRate.requests, errors: errorRate.errors5xx, rate: errorRate.errorRate ?? 0, windowMs: errorRate.windowMs }
      : null,
    recovering: s.recovering,
    budgetUsed: s.budget.used,
    budgetMax: s.budget.max,
    exhausted: s.budget.exhausted,
    manager: s.manager,
    sinceMs: s.since ?? 0,
    logLinesScanned: log.scanned,
    logLinesSkipped: log.skipped,
    memoryBytes: memory.bytes,
    memoryPercent: memory.percent,
  };
}

export function findingToWire(f: LogFinding): ValidLogFinding {
  return {
    cause: f.cause,
    service: f.service,
    source: f.source,
    excerpt: f.excerpt,
    count: f.count,
    firstSeenMs: f.firstSeenMs,
    lastSeenMs: f.lastSeenMs,
    skippedLines: f.skippedLines,
    diagnosis: f.diagnosis,
    fix: f.fix,
    prevention: f.prevention,
  };
}
