import { exhaustionRule } from './exhaustion.js';

/** Disk and inode use move alike, so both rules share these. */
export const FILESYSTEM_EXHAUSTION_DEFAULTS = {
  /** @default 6 h */
  windowMs: 6 * 3_600_000,
  /** @default 0.8 */
  minCoverage: 0.8,
  /** @default 0.6 */
  minFit: 0.6,
  /** @default 24 h */
  horizonMs: 24 * 3_600_000,
  /** @default 48 h */
  holdHorizonMs: 48 * 3_600_000,
  /** Disks move slowly: every 5 minutes is plenty. @default 5 min */
  everyMs: 5 * 60_000,
  /** @default 36 (10-minute points over 6 h) */
  maxPoints: 36,
  /** @default 1 */
  minLinearity: 1,
  /** @default 0.05 */
  minRatePerHour: 0.05,
  /** @default 0.3 */
  halfRatio: 0.3,
  /** @default 0 (the mean) */
  floorSpanMs: 0,
  /** @default 0 (unused without a floor span) */
  floorQuantile: 0,
  failurePercent: 100,
};

/**
 * Time until a filesystem is full (runbook section 5, disk_space_full: "monitor disk usage
 * automatically"). Fitted on the mean: a temporary file that comes and goes is an outlier
 * to Theil–Sen, and log rotation shows as a reversal.
 */
export const diskExhaustion = exhaustionRule({
  name: 'disk_exhaustion',
  metric: 'disk_percent',
  noun: 'disk use',
  prediction: 'filesystem full within 24 hours; the service will stop with "No space left on device"',
  preventiveAction: 'Clean up the disk or extend it.',
  defaults: FILESYSTEM_EXHAUSTION_DEFAULTS,
});
