import type { Bucket, Evidence, MetricName, SeriesKey, Trend } from '../types.js';

/** What a rule sees: the buckets of one series over its look-back, closed buckets only. */
export interface RuleInput {
  series: Readonly<SeriesKey>;
  buckets: readonly Bucket[];
  /** Start of the look-back (ms). */
  from: number;
  /** End of the evidence, exclusive: the start of the still-open bucket (ms). */
  to: number;
  bucketMs: number;
  /** Whether a prediction is active on this rule and series: only then must a verdict be exact. */
  active: boolean;
}

/**
 * A rule's judgement of one series now:
 * - `fire`: the runbook's pattern holds;
 * - `hold`: it no longer holds strictly, but the trend has not clearly reversed, so an
 *   active prediction stays (hysteresis);
 * - `clear`: the trend has reversed or fallen below the hold level;
 * - `insufficient`: too little data in the window to say anything;
 * - `quiet`: a cheap look shows the rule cannot fire (a flat series); only given when no
 *   prediction is active, so the full fit is spent only where it can matter.
 */
export type Verdict =
  | { status: 'insufficient' | 'quiet'; reason: string; evidence: Evidence }
  | {
      status: 'fire' | 'hold' | 'clear';
      reason: string;
      evidence: Evidence;
      trend: Trend;
      predictedFailureAt: number | null;
      confidence: number;
      summary: string;
      details: Record<string, number>;
    };

/** Settings every rule has. */
export interface CommonSettings {
  /** Length of the evidence window, in ms. */
  windowMs: number;
  /** Share of the window's buckets that must hold data before any verdict, 0-1. */
  minCoverage: number;
  /** Kendall's tau the evidence must reach to fire, 0-1. */
  minFit: number;
  /** The runbook's horizon: how far ahead the failure is announced, in ms. */
  horizonMs: number;
  /** How often the rule is evaluated per series, in ms. */
  everyMs: number;
  /** The window is merged into at most this many points before fitting (the fit is O(n²)). */
  maxPoints: number;
  /**
   * How much better the line must explain the window than a single step (sum of absolute
   * deviations, step / line). A level shift that then holds flat is not a trend.
   */
  minLinearity: number;
}

/** A rule with its settings fixed: what the predictor runs. */
export interface CompiledRule {
  readonly name: string;
  readonly metric: MetricName;
  readonly prediction: string;
  readonly preventiveAction: string;
  readonly horizonMs: number;
  readonly lookbackMs: number;
  readonly everyMs: number;
  readonly settings: Readonly<CommonSettings>;
  evaluate(input: RuleInput): Verdict;
}

export interface RuleDefinition<S extends CommonSettings> {
  readonly name: string;
  readonly metric: MetricName;
  readonly prediction: string;
  readonly preventiveAction: string;
  readonly defaults: Readonly<S>;
  /** Merges overrides into the defaults, checks them once and freezes the result. */
  compile(overrides?: Partial<S>): CompiledRule;
}

/** Builds a rule definition from its parts; settings are validated where they enter. */
export function defineRule<S extends CommonSettings>(def: {
  name: string;
  metric: MetricName;
  prediction: string;
  preventiveAction: string;
  defaults: S;
  lookbackMs(s: S): number;
  evaluate(input: RuleInput, s: Readonly<S>, rule: { prediction: string }): Verdict;
}): RuleDefinition<S> {
  const defaults = Object.freeze({ ...def.defaults });
  return {
    name: def.name,
    metric: def.metric,
    prediction: def.prediction,
    preventiveAction: def.preventiveAction,
    defaults,
    compile(overrides = {}) {
      const s = Object.freeze({ ...defaults, ...overrides }) as Readonly<S>;
      for (const [k, v] of Object.entries(s)) {
        if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`rule ${def.name}: setting ${k} must be a finite number, got ${String(v)}`);
      }
      if (s.windowMs <= 0 || s.everyMs <= 0 || s.horizonMs <= 0) throw new RangeError(`rule ${def.name}: windowMs, everyMs and horizonMs must be > 0`);
      if (s.minCoverage < 0 || s.minCoverage > 1) throw new RangeError(`rule ${def.name}: minCoverage must be within 0-1, got ${s.minCoverage}`);
      if (s.maxPoints < 8) throw new RangeError(`rule ${def.name}: maxPoints must be at least 8, got ${s.maxPoints}`);
      return Object.freeze({
        name: def.name,
        metric: def.metric,
        prediction: def.prediction,
        preventiveAction: def.preventiveAction,
        horizonMs: s.horizonMs,
        lookbackMs: def.lookbackMs(s),
        everyMs: s.everyMs,
        settings: s,
        evaluate: (input: RuleInput) => def.evaluate(input, s, def),
      });
    },
  };
}
