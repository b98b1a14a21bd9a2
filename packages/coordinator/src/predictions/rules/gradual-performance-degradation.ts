import { confidenceOf, crossingTime, valueAt } from '../trend.js';
import { analyse, round, trendOf } from './analyse.js';
import { fmtDuration, fmtNum, where } from './format.js';
import { defineRule, type CommonSettings } from './types.js';

export interface DegradationSettings extends CommonSettings {
  /** @default 1 h (the runbook's "over 1 hour") */
  windowMs: number;
  /** @default 0.8 */
  minCoverage: number;
  /** Response times are noisy: below 0.5 a diurnal swing plus heavy jitter can pass for a 20 % rise. @default 0.5 */
  minFit: number;
  /** @default 2 h (the runbook's "failure likely within 2 hours") */
  horizonMs: number;
  /** @default 60 s */
  everyMs: number;
  /** @default 30 (2-minute points over 1 h) */
  maxPoints: number;
  /** @default 1 (the line must explain the window at least as well as a step) */
  minLinearity: number;
  /** Rise of the fitted response time across the window, relative to its start, that fires. @default 0.2 */
  minRiseRatio: number;
  /** The rise must also be at least this many ms: 4 ms → 5 ms is +25 % but harmless. @default 25 */
  minRiseMs: number;
  /** Both halves of the window must rise at this share of the firing rate: a step that then holds flat does not. @default 0.5 */
  halfRatio: number;
  /** An active prediction is kept while the rise stays above this ratio. @default 0.05 */
  holdRiseRatio: number;
  /** Response time at which the service counts as failed (runbook section 4: under 5 s). @default 5000 */
  failureMs: number;
}

/**
 * Runbook section 6, gradual_performance_degradation: response time up more than 20 % over
 * 1 hour → service failure likely within 2 hours → restart the process. Fitted on the mean
 * response time per bucket with Theil–Sen, so a few slow checks cannot make a trend.
 */
export const gradualPerformanceDegradation = defineRule<DegradationSettings>({
  name: 'gradual_performance_degradation',
  metric: 'response_time_ms',
  prediction: 'service failure likely within the next 2 hours',
  preventiveAction: 'Restart the process.',
  defaults: {
    windowMs: 3_600_000,
    minCoverage: 0.8,
    minFit: 0.5,
    horizonMs: 7_200_000,
    everyMs: 60_000,
    maxPoints: 30,
    minLinearity: 1,
    minRiseRatio: 0.2,
    minRiseMs: 25,
    halfRatio: 0.5,
    holdRiseRatio: 0.05,
    failureMs: 5000,
  },
  lookbackMs: (s) => s.windowMs,
  evaluate(input, s, rule) {
    const a = analyse(input, s);
    if (!a.ok) return { status: 'insufficient', reason: a.reason, evidence: a.evidence };
    const { fit, halves, windowHours: w } = a;
    const start = valueAt(fit, -w);
    const rise = fit.slopePerHour * w;
    const ratio = rise / Math.max(start, 1e-9);
    const firingSlope = (s.minRiseRatio * Math.max(start, 0)) / w;
    const halvesRise = halves.every((h) => h.slopePerHour >= s.halfRatio * firingSlope);
    const crossesAt = crossingTime(fit, s.failureMs, input.to);
    const horizonEnd = input.to + s.horizonMs;
    const predictedFailureAt = Math.min(crossesAt ?? horizonEnd, horizonEnd);
    const label = where(input.series.service, input.series.instance);
    const window = fmtDuration(s.windowMs);

    let status: 'fire' | 'hold' | 'clear';
    let reason: string;
    if (ratio > s.minRiseRatio && rise >= s.minRiseMs && fit.tau >= s.minFit && halvesRise && a.linearity >= s.minLinearity) {
      status = 'fire';
      reason = `response time up ${fmtNum(ratio * 100, 0)} % over ${window} (more than ${fmtNum(s.minRiseRatio * 100, 0)} %), rising in both halves of the window`;
    } else if (ratio >= s.holdRiseRatio && fit.slopePerHour > 0) {
      status = 'hold';
      reason = `response time still up ${fmtNum(ratio * 100, 0)} % over ${window}`;
    } else {
      status = 'clear';
      reason = `trend reversed: response time ${ratio >= 0 ? 'up' : 'down'} ${fmtNum(Math.abs(ratio) * 100, 0)} % over ${window}, below the ${fmtNum(s.holdRiseRatio * 100, 0)} % that keeps the prediction`;
    }
    return {
      status,
      reason,
      evidence: a.evidence,
      trend: trendOf(fit, input.to, { unit: 'ms', signal: 'mean', threshold: s.failureMs, crossesAt }),
      predictedFailureAt: Math.round(predictedFailureAt),
      confidence: confidenceOf(fit.tau, a.evidence.coverage),
      summary: `${label}response time up ${fmtNum(ratio * 100, 0)} % over the last ${window} (${fmtNum(start, 0)} → ${fmtNum(fit.intercept, 0)} ms); ${rule.prediction}`,
      details: {
        linearity: Number.isFinite(a.linearity) ? round(a.linearity, 3) : -1,
        riseRatio: round(ratio),
        startMs: round(start, 1),
        nowMs: round(fit.intercept, 1),
        olderHalfSlopePerHour: round(halves[0].slopePerHour),
        newerHalfSlopePerHour: round(halves[1].slopePerHour),
      },
    };
  },
});
