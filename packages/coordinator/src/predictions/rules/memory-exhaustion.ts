import { exhaustionRule } from './exhaustion.js';

/**
 * Time until memory is exhausted (runbook section 5, memory_exhaustion: "set memory
 * monitoring thresholds"). Complements resource_trend_analysis: a slow leak on a nearly
 * full host is below 5 %/h yet hours from the OOM killer. Fitted on the floor, like it.
 */
export const memoryExhaustion = exhaustionRule({
  name: 'memory_exhaustion',
  metric: 'memory_percent',
  noun: 'memory use',
  prediction: 'memory exhausted within 6 hours; processes will be killed for lack of memory',
  preventiveAction: 'Add memory or reduce memory use; restart the process that grows.',
  defaults: {
    /** @default 1 h */
    windowMs: 3_600_000,
    /** @default 0.8 */
    minCoverage: 0.8,
    /** @default 0.6 */
    minFit: 0.6,
    /** @default 6 h */
    horizonMs: 6 * 3_600_000,
    /** @default 12 h */
    holdHorizonMs: 12 * 3_600_000,
    /** @default 60 s */
    everyMs: 60_000,
    /** @default 30 (2-minute points over 1 h) */
    maxPoints: 30,
    /** @default 1 */
    minLinearity: 1,
    /** @default 0.2 */
    minRatePerHour: 0.2,
    /** @default 0.3 */
    halfRatio: 0.3,
    /** Longer than the longest collection cycle. @default 30 min */
    floorSpanMs: 30 * 60_000,
    /** @default 0.2 */
    floorQuantile: 0.2,
    failurePercent: 100,
  },
});
