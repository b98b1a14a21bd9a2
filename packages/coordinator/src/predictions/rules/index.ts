import { diskExhaustion } from './disk-exhaustion.js';
import { errorRateSpike, type ErrorRateSettings } from './error-rate-spike.js';
import type { ExhaustionSettings } from './exhaustion.js';
import { gradualPerformanceDegradation, type DegradationSettings } from './gradual-performance-degradation.js';
import { inodeExhaustion } from './inode-exhaustion.js';
import { memoryExhaustion } from './memory-exhaustion.js';
import { resourceTrendAnalysis, type ResourceTrendSettings } from './resource-trend-analysis.js';
import type { CompiledRule } from './types.js';

/** Settings of each rule, by name. */
export interface RuleSettingsMap {
  gradual_performance_degradation: DegradationSettings;
  resource_trend_analysis: ResourceTrendSettings;
  error_rate_spike: ErrorRateSettings;
  disk_exhaustion: ExhaustionSettings;
  inode_exhaustion: ExhaustionSettings;
  memory_exhaustion: ExhaustionSettings;
}

export type RuleName = keyof RuleSettingsMap;

/** The rules, one file each; adding a rule is one file and one line here. */
export const RULES = {
  gradual_performance_degradation: gradualPerformanceDegradation,
  resource_trend_analysis: resourceTrendAnalysis,
  error_rate_spike: errorRateSpike,
  disk_exhaustion: diskExhaustion,
  inode_exhaustion: inodeExhaustion,
  memory_exhaustion: memoryExhaustion,
} as const;

export const RULE_NAMES = Object.keys(RULES) as RuleName[];

/** Per rule: settings to override, or false to turn the rule off. */
export type RuleOverrides = { [K in RuleName]?: Partial<RuleSettingsMap[K]> | false };

/** Compiles every rule not turned off, with its overrides. */
export function compileRules(overrides: RuleOverrides = {}): CompiledRule[] {
  const out: CompiledRule[] = [];
  for (const name of RULE_NAMES) {
    const o = overrides[name];
    if (o === false) continue;
    out.push((RULES[name] as { compile(o?: object): CompiledRule }).compile(o ?? {}));
  }
  return out;
}

export type { CompiledRule, RuleInput, Verdict, CommonSettings } from './types.js';
export type { DegradationSettings, ResourceTrendSettings, ErrorRateSettings, ExhaustionSettings };

/** Overrides that turn every rule off but the ones named (tests, benches, staged roll-outs). */
export function onlyRules(...names: RuleName[]): RuleOverrides {
  return Object.fromEntries(RULE_NAMES.map((n) => [n, names.includes(n) ? {} : false])) as RuleOverrides;
}
