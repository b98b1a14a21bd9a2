import { z } from 'zod';
import { durationMs } from '@vigil/shared';
import type { HealthCheck } from './check.js';

/*
 * What one kind of health check is: its declaration (zod), how it is named and built, and
 * whether it proves the service serves traffic. A kind is one file exporting one of these,
 * registered by one line in CHECK_KINDS (kinds.ts); the schema's union, the factory and the
 * names all derive from that array.
 */

export const positiveMs = durationMs.refine((ms) => ms > 0, 'must be longer than 0 ms');
export const count = (min: number) => z.number().int().min(min, `must be an integer of at least ${min}`);

/** Hysteresis and scheduling shared by all check kinds (Consul's names in brackets). */
export function checkCommon(defaultIntervalMs: number) {
  return {
    /** Label used in events; derived from the target when absent. */
    name: z.string().min(1).max(64).optional(),
    /** How often the check runs. @default the agent's interval */
    interval: positiveMs.default(defaultIntervalMs),
    /** Consecutive failures before the check counts as failed (failures_before_critical). @default 2 */
    failuresBeforeCritical: count(1).default(2),
    /** Consecutive passes before a failed check counts as passing again (success_before_passing). @default 2 */
    successesBeforePassing: count(1).default(2),
  };
}

/** The fields every check declaration has after parsing. */
export type CheckCommon = z.output<z.ZodObject<ReturnType<typeof checkCommon>>>;

export interface CheckKind<T extends string = string, S extends z.ZodType = z.ZodType, D = unknown> {
  /** The `type:` of the declaration. */
  readonly type: T;
  /**
   * The declaration's schema: a strict object with `type: z.literal(type)` and
   * `...checkCommon(defaultIntervalMs)`; `defaultIntervalMs` is the agent's interval.
   */
  schema(defaultIntervalMs: number): S;
  /** The label used when the declaration gives no `name`. */
  defaultName(spec: z.output<S>): string;
  create(name: string, spec: z.output<S>, deps: D | undefined): HealthCheck;
  /**
   * True when a pass proves the service answers its clients (http, tcp): such checks gate
   * "serving again" after a start. False for checks a healthy start-up may fail (a CPU spike).
   */
  readonly servesTraffic: boolean;
  /** The TCP ports the check connects to, which the service is expected to hold. @default none */
  ports?(spec: z.output<S>): number[];
}

/** Keeps the literal types of a kind (its `type`, schema and deps) for the derived union. */
export function defineCheckKind<T extends string, S extends z.ZodType, D = never>(kind: CheckKind<T, S, D>): CheckKind<T, S, D> {
  return kind;
}
