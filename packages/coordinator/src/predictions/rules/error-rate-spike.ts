import { confidenceOf, crossingTime, medianInPlace, valueAt } from '../trend.js';
import { analyse, quiet, round, trendOf } from './analyse.js';
import { fmtDuration, fmtRate, where } from './format.js';
import { defineRule, type CommonSettings } from './types.js';

export interface ErrorRateSettings extends CommonSettings {
  /** Short: the runbook gives this failure 30 minutes. @default 15 min */
  windowMs: number;
  /** @default 0.8 */
  minCoverage: number;
  /** @default 0.5 */
  minFit: number;
  /** @default 30 min (the runbook's "failure possible within 30 min") */
  horizonMs: number;
  /** @default 60 s */
  everyMs: number;
  /** One point per 1-minute bucket. @default 15 */
  maxPoints: number;
  /** @default 1 (the line must explain the window at least as well as a step) */
  minLinearity: number;
  /** Error rate (0-1) the service must be above (runbook: 1 %). @default 0.01 */
  minRate: number;
  /** "Rising": the fitted rate must grow by this share of its start across the window. @default 0.3 */
  minRiseRatio: number;
  /** Both halves of the window must rise at this share of the window's slope. @default 0.25 */
  halfRatio: number;
  /** Recent buckets whose median must also be above minRate: the fit alone can overshoot. @default 3 */
  recentBuckets: number;
  /** An active prediction is kept while the rate stays above this and is not clearly falling. @default 0.005 */
  holdRate: number;
  /** Tau at or below which a falling rate counts as clearly falling. @default -0.3 */
  fallingFit: number;
  /** Error rate at which the service counts as failed. @default 0.2 */
  failureRate: number;
}

/**
 * Runbook section 6, error_rate_spike: error rate above 1 % and increasing → service
 * unstable, failure possible within 30 min → analyse the logs now, switch to the standby.
 * A burst of errors that is over, or a rate that stepped up and holds flat, is not "rising".
 */
export const errorRateSpike = defineRule<ErrorRateSettings>({
  name: 'error_rate_spike',
  metric: 'error_rate',
  prediction: 'service unstable; failure possible within 30 minutes',
  preventiveAction: 'Analyse the logs now; switch to the standby.',
  defaults: {
    windowMs: 15 * 60_000,
    minCoverage: 0.8,
    minFit: 0.5,
    horizonMs: 30 * 60_000,
    everyMs: 60_000,
    maxPoints: 15,
    minLinearity: 1,
    minRate: 0.01,
    minRiseRatio: 0.3,
    halfRatio: 0.25,
    recentBuckets: 3,
    holdRate: 0.005,
    fallingFit: -0.3,
    failureRate: 0.2,
  },
  lookbackMs: (s) => s.windowMs,
  evaluate(input, s, rule) {
    if (!input.active) {
      // The recent median must pass minRate to fire: if no recent bucket does, it cannot.
      let top = -Infinity;
      for (const b of input.buckets.slice(-s.recentBuckets)) if (b.mean > top) top = b.mean;
      if (!(top > s.minRate)) return quiet(input, s.windowMs, `error rate not above ${fmtRate(s.minRate)}`);
    }
    const a = analyse(input, s);
    if (!a.ok) return { status: 'insufficient', reason: a.reason, evidence: a.evidence };
    const { fit, halves, windowHours: w } = a;
    const recent = input.buckets.slice(-s.recentBuckets);
    const recentMedian = medianInPlace(Float64Array.from(recent, (b) => b.mean), recent.length);
    const level = Math.min(fit.intercept, recentMedian);
    const start = valueAt(fit, -w);
    const rise = fit.slopePerHour * w;
    const riseRatio = rise / Math.max(start, s.minRate / 10);
    const halvesRise = halves.every((h) => h.slopePerHour >= s.halfRatio * fit.slopePerHour);
    const crossesAt = crossingTime(fit, s.failureRate, input.to);
    const horizonEnd = input.to + s.horizonMs;
    const window = fmtDuration(s.windowMs);

    let status: 'fire' | 'hold' | 'clear';
    let reason: string;
    const falling = fit.slopePerHour < 0 && fit.tau <= s.fallingFit;
    if (level > s.minRate && fit.slopePerHour > 0 && riseRatio >= s.minRiseRatio && fit.tau >= s.minFit && halvesRise && a.linearity >= s.minLinearity) {
      status = 'fire';
      reason = `error rate ${fmtRate(level)} (above ${fmtRate(s.minRate)}) and rising: ${fmtRate(start)} → ${fmtRate(fit.intercept)} over ${window}`;
    } else if (level >= s.holdRate && !falling) {
      status = 'hold';
      reason = `error rate still ${fmtRate(level)} and not falling`;
    } else {
      status = 'clear';
      reason = falling ? `trend reversed: error rate falling (${fmtRate(start)} → ${fmtRate(fit.intercept)} over ${window})` : `error rate down to ${fmtRate(level)}, below ${fmtRate(s.holdRate)}`;
    }
    return {
      status,
      reason,
      evidence: a.evidence,
      trend: trendOf(fit, input.to, { unit: 'ratio', signal: 'mean', threshold: s.failureRate, crossesAt, digits: 6 }),
      predictedFailureAt: Math.round(Math.min(crossesAt ?? horizonEnd, horizonEnd)),
      confidence: confidenceOf(fit.tau, a.evidence.coverage),
      summary: `${where(input.series.service, input.series.instance)}error rate ${fmtRate(level)} and rising (${fmtRate(start)} ${window} ago); ${rule.prediction}`,
      details: {
        linearity: Number.isFinite(a.linearity) ? round(a.linearity, 3) : -1,
        level: round(level, 6),
        riseRatio: round(riseRatio),
        olderHalfSlopePerHour: round(halves[0].slopePerHour, 6),
        newerHalfSlopePerHour: round(halves[1].slopePerHour, 6),
      },
    };
  },
});
