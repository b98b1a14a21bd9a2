import { confidenceOf, crossingTime } from '../trend.js';
import type { MetricName } from '../types.js';
import { analyse, round } from './analyse.js';
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
    lookbackMs: (s) => s.windowMs + (s.floorSpanMs > 0 ? s.floorSpanMs + s.windowMs / s.maxPoints : 0),
    evaluate(input, s) {
      const a = analyse(input, s, s.floorSpanMs);
      if (!a.ok) return { status: 'insufficient', reason: a.reason, evidence: a.evidence };
      const { fit, halves } = a;
      const crossesAt = crossingTime(fit, s.failurePercent, input.to);
      const left = crossesAt === null ? Infinity : crossesAt - input.to;
      const halvesRise = halves.every((h) => h.slopePerHour > 0 && h.slopePerHour >= s.halfRatio * fit.slopePerHour);
      const rate = fmtNum(fit.slopePerHour, 2);
      const label = where(input.series.service, input.series.instance);

      let status: 'fire' | 'hold' | 'clear';
      let reason: string;
      if (fit.slopePerHour >= s.minRatePerHour && left <= s.horizonMs && fit.tau >= s.minFit && halvesRise) {
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
        trend: {
          slopePerHour: round(fit.slopePerHour),
          intercept: round(fit.intercept),
          at: input.to,
          fit: round(fit.tau, 3),
          unit: '%',
          signal: s.floorSpanMs > 0 ? 'floor' : 'mean',
          threshold: s.failurePercent,
          crossesAt: crossesAt === null ? null : Math.round(crossesAt),
        },
        predictedFailureAt: crossesAt === null ? null : Math.round(crossesAt),
        confidence: confidenceOf(fit.tau, a.evidence.coverage),
        summary:
          crossesAt === null
            ? `${label}${def.noun} at ${fmtNum(fit.intercept)} %, not rising`
            : `${label}${def.noun} at ${fmtNum(fit.intercept)} %, rising ${rate} %/h: full in about ${fmtDuration(left)} (${new Date(crossesAt).toISOString()})`,
        details: {
          hoursLeft: Number.isFinite(left) ? round(left / 3_600_000, 2) : -1,
          olderHalfSlopePerHour: round(halves[0].slopePerHour),
          newerHalfSlopePerHour: round(halves[1].slopePerHour),
        },
      };
    },
  });
}
