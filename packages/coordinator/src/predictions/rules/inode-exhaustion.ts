import { exhaustionRule } from './exhaustion.js';

/**
 * Time until a filesystem runs out of inodes: many small files (sessions, caches, mail
 * spools) fill the inode table while bytes are plentiful, with the same "No space left on
 * device" as a full disk.
 */
export const inodeExhaustion = exhaustionRule({
  name: 'inode_exhaustion',
  metric: 'inode_percent',
  noun: 'inode use',
  prediction: 'filesystem out of inodes within 24 hours; the service will stop with "No space left on device"',
  preventiveAction: 'Remove the small files that fill the filesystem (caches, sessions, spools) or extend it.',
  defaults: {
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
    /** @default 5 min */
    everyMs: 5 * 60_000,
    /** @default 36 */
    maxPoints: 36,
    /** @default 1 */
    minLinearity: 1,
    /** @default 0.05 */
    minRatePerHour: 0.05,
    /** @default 0.3 */
    halfRatio: 0.3,
    /** @default 0 */
    floorSpanMs: 0,
    /** @default 0 (unused without a floor span) */
    floorQuantile: 0,
    failurePercent: 100,
  },
});
