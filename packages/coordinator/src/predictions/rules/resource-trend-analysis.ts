import { confidenceOf, crossingTime } from '../trend.js';
import { analyse, meanFit, peakLine, quiet, recentPeak, round, spread, trendOf } from './analyse.js';
import { fmtDuration, fmtNum, where } from './format.js';
import { defineRule, type CommonSettings } from './types.js';

export interface ResourceTrendSettings extends CommonSettings {
  /** @default 1 h */
  windowMs: number;
  /** @default 0.8 */
  minCoverage: number;
  /** @default 0.6 */
  minFit: number;
  /** @default 6 h (the runbook's "failure expected within 6 hours") */
  horizonMs: number;
  /** @default 60 s */
  everyMs: number;
  /** @default 30 */
  maxPoints: number;
  /** @default 1 (the line must explain the window at least as well as a step) */
  minLinearity: number;
  /** Rise of the memory floor, in percentage points of total memory per hour, that fires. @default 5 */
  minRatePerHour: number;
  /**
   * The floor is the minimum over this trailing span. It must be longer than the longest
   * garbage-collection cycle, or the floor climbs each tooth of the sawtooth. @default 30 min
   */
  floorSpanMs: number;
  /** The floor is this quantile of the bucket minimums in the span (0 = their minimum). @default 0.2 */
  floorQuantile: number;
  /** The mean must rise too, at this share of the firing rate: a leak lifts everything. @default 0.5 */
  meanAgreeRatio: number;
  /** Both halves of the window must rise at this share of the firing rate. @default 0.5 */
  halfRatio: number;
  /** An active prediction is kept while the floor rises at least this fast (points per hour). @default 1 */
  holdRatePerHour: number;
  /** Memory use at which the host or service counts as failed, in percent. @default 100 */
  failurePercent: number;
}

/**
 * Runbook section 6, resource_trend_analysis: memory use rising more than 5 % per hour →
 * possible memory leak, failure expected within 6 hours → investigate the leak, restart.
 *
 * Reading: "5 %" is percentage points of total memory. The rule fits the floor of memory
 * use (what survives garbage collection), not its mean: a collector's sawtooth climbs 20
 * points between collections and drops back, and must never look like a leak.
 */
export const resourceTrendAnalysis = defineRule<ResourceTrendSettings>({
  name: 'resource_trend_analysis',
  metric: 'memory_percent',
  prediction: 'possible memory leak; failure expected within 6 hours',
  preventiveAction: 'Investigate the memory leak; restart the process.',
  defaults: {
    windowMs: 3_600_000,
    minCoverage: 0.8,
    minFit: 0.6,
    horizonMs: 6 * 3_600_000,
    everyMs: 60_000,
    maxPoints: 30,
    minLinearity: 1,
    minRatePerHour: 5,
    floorSpanMs: 30 * 60_000,
    floorQuantile: 0.2,
    meanAgreeRatio: 0.5,
    halfRatio: 0.5,
    holdRatePerHour: 1,
    failurePercent: 100,
  },
  lookbackMs: (s) => s.windowMs + s.floorSpanMs,
  evaluate(input, s, rule) {
    // The floor cannot rise more than the bucket minimums spread; half the firing rise is a safe margin.
    if (!input.active && spread(input, input.to - s.windowMs - s.floorSpanMs, 'min') < 0.5 * s.minRatePerHour * (s.windowMs / 3_600_000)) {
      return quiet(input, s.windowMs, 'memory floor spread too small to rise at the firing rate');
    }
    const a = analyse(input, s, { spanMs: s.floorSpanMs, quantile: s.floorQuantile });
    if (!a.ok) return { status: 'insufficient', reason: a.reason, evidence: a.evidence };
    const { fit, halves } = a;
    const mean = meanFit(input, s);
    const halvesRise = halves.every((h) => h.slopePerHour >= s.halfRatio * s.minRatePerHour);
    const meanAgrees = mean.slopePerHour >= s.meanAgreeRatio * s.minRatePerHour;
    const peak = recentPeak(input, s.floorSpanMs);
    const crossesAt = crossingTime(peakLine(fit, peak), s.failurePercent, input.to);
    const horizonEnd = input.to + s.horizonMs;
    const rate = fmtNum(fit.slopePerHour);

    let status: 'fire' | 'hold' | 'clear';
    let reason: string;
    if (fit.slopePerHour >= s.minRatePerHour && fit.tau >= s.minFit && halvesRise && meanAgrees && a.linearity >= s.minLinearity) {
      status = 'fire';
      reason = `memory floor rising ${rate} %/h over ${fmtDuration(s.windowMs)} (more than ${s.minRatePerHour} %/h), in both halves of the window and in the mean`;
    } else if (fit.slopePerHour >= s.holdRatePerHour) {
      status = 'hold';
      reason = `memory floor still rising ${rate} %/h`;
    } else {
      status = 'clear';
      reason = `trend reversed: memory floor ${fit.slopePerHour >= 0 ? 'rising only' : 'falling'} ${fmtNum(Math.abs(fit.slopePerHour))} %/h, below the ${s.holdRatePerHour} %/h that keeps the prediction`;
    }
    return {
      status,
      reason,
      evidence: a.evidence,
      trend: trendOf(fit, input.to, { unit: '%', signal: 'floor', threshold: s.failurePercent, crossesAt }),
      predictedFailureAt: Math.round(Math.min(crossesAt ?? horizonEnd, horizonEnd)),
      confidence: confidenceOf(fit.tau, a.evidence.coverage),
      summary: `${where(input.series.service, input.series.instance)}memory use rising ${rate} %/h after garbage collection (now ${fmtNum(fit.intercept)} %); ${rule.prediction}`,
      details: {
        linearity: Number.isFinite(a.linearity) ? round(a.linearity, 3) : -1,
        meanSlopePerHour: round(mean.slopePerHour),
        peak: round(peak, 3),
        olderHalfSlopePerHour: round(halves[0].slopePerHour),
        newerHalfSlopePerHour: round(halves[1].slopePerHour),
      },
    };
  },
});
