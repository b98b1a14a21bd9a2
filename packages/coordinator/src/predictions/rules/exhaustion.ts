import { confidenceOf, crossingTime } from '../trend.js';
import type { MetricName } from '../types.js';
import { analyse, peakLine, quiet, recentPeak, round, spread, trendOf } from './analyse.js';
import { fmtDuration, fmtNum, where } from './format.js';
import { defineRule, type CommonSettings, type RuleDefinition } from './types.js';

export interface ExhaustionSettings extends CommonSettings {
  /** Announce when the fitted line reaches `failurePercent` within this, in ms. */
  horizonMs: number;
  /** An active prediction is kept while the projected time stays within this, in ms. */
  holdHorizonMs: number;
  /** Slopes below this (points per hour) are treated as flat: quantisation, not a trend. */
  minRatePerHour: number;
  /** Both halves of the window must rise at this share of the window's slope: a step that then holds flat does not. */
  halfRatio: number;
  /** Fit the floor over this trailing span (memory with a garbage collector); 0 fits the mean. */
  floorSpanMs: number;
  /** The floor is this quantile of the bucket minimums in the span (0 = their minimum). */
  floorQuantile: number;
  /** Level at which the resource counts as exhausted, in percent. @default 100 */
  failurePercent: number;
}

/**
 * Time to exhaustion, like Prometheus' predict_linear but robust: where a percentage
 * reaches 100 at the current trend (Theil–Sen over the window), raised when that is within
 * the horizon, the evidence is monotonic enough (tau) and the rise holds in both halves.
 */
export function exhaustionRule(def: {
  name: string;
  metric: MetricName;
  noun: string;
  prediction: string;
  preventiveAction: string;
  defaults: ExhaustionSettings;
}): RuleDefinition<ExhaustionSettings> {
  return defineRule<ExhaustionSettings>({
    ...def,
    lookbackMs: (s) => s.windowMs + s.floorSpanMs,
    evaluate(input, s) {
      if (!input.active) {
        // To fire, the line must reach the limit within the horizon: it must rise at least
        // (limit − highest value) per horizon, and at least minRatePerHour. Data whose spread
        // is under half that rise over the window cannot fit such a line.
        let top = -Infinity;
        for (const b of input.buckets) if (b.max > top) top = b.max;
        const needPerHour = Math.max(s.minRatePerHour, (s.failurePercent - top) / (s.horizonMs / 3_600_000));
        const pick = s.floorSpanMs > 0 ? 'min' : 'mean';
        if (spread(input, input.to - s.windowMs - s.floorSpanMs, pick) < 0.5 * needPerHour * (s.windowMs / 3_600_000)) {
          return quiet(input, s.windowMs, `${def.noun} too flat to reach ${s.failurePercent} % within the horizon`);
        }
      }
      const a = analyse(input, s, { spanMs: s.floorSpanMs, quantile: s.floorQuantile });
      if (!a.ok) return { status: 'insufficient', reason: a.reason, evidence: a.evidence };
      const { fit, halves } = a;
      // With a floor, the failure comes when the top of the teeth reaches the limit.
      const peak = s.floorSpanMs > 0 ? recentPeak(input, s.floorSpanMs) : fit.intercept;
      const crossesAt = crossingTime(peakLine(fit, peak), s.failurePercent, input.to);
      const left = crossesAt === null ? Infinity : crossesAt - input.to;
      const halvesRise = halves.every((h) => h.slopePerHour >= s.halfRatio * fit.slopePerHour);
      const rate = fmtNum(fit.slopePerHour, 2);
      const label = where(input.series.service, input.series.instance);

      let status: 'fire' | 'hold' | 'clear';
      let reason: string;
      if (fit.slopePerHour >= s.minRatePerHour && left <= s.horizonMs && fit.tau >= s.minFit && halvesRise && a.linearity >= s.minLinearity) {
        status = 'fire';
        reason = `${def.noun} rising ${rate} %/h: reaches ${s.failurePercent} % in ${fmtDuration(left)}, within the ${fmtDuration(s.horizonMs)} horizon`;
      } else if (fit.slopePerHour >= s.minRatePerHour && left <= s.holdHorizonMs) {
        status = 'hold';
        reason = `${def.noun} still rising ${rate} %/h: reaches ${s.failurePercent} % in ${fmtDuration(left)}`;
      } else {
        status = 'clear';
        reason =
          fit.slopePerHour < s.minRatePerHour
            ? `trend reversed: ${def.noun} ${fit.slopePerHour < 0 ? 'falling' : 'flat'} (${rate} %/h)`
            : `${def.noun} rising slower (${rate} %/h): ${s.failurePercent} % no sooner than in ${fmtDuration(left)}, beyond ${fmtDuration(s.holdHorizonMs)}`;
      }
      return {
        status,
        reason,
        evidence: a.evidence,
          trend: trendOf(fit, input.to, { unit: '%', signal: s.floorSpanMs > 0 ? 'floor' : 'mean', threshold: s.failurePercent, crossesAt }),
        predictedFailureAt: crossesAt === null ? null : Math.round(crossesAt),
        confidence: confidenceOf(fit.tau, a.evidence.coverage),
        summary:
          crossesAt === null
            ? `${label}${def.noun} at ${fmtNum(fit.intercept)} %, not rising`
            : `${label}${def.noun} at ${fmtNum(fit.intercept)} %${peak > fit.intercept + 0.5 ? ` (peaks ${fmtNum(peak)} %)` : ''}, rising ${rate} %/h: full in about ${fmtDuration(left)} (${new Date(crossesAt).toISOString()})`,
        details: {
          linearity: Number.isFinite(a.linearity) ? round(a.linearity, 3) : -1,
          hoursLeft: Number.isFinite(left) ? round(left / 3_600_000, 2) : -1,
          peak: round(peak, 3),
          olderHalfSlopePerHour: round(halves[0].slopePerHour),
          newerHalfSlopePerHour: round(halves[1].slopePerHour),
        },
      };
    },
  });
}
