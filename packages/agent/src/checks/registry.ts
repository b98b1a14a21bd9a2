import { z } from 'zod';
import type { HealthCheck } from './check.js';
import type { CheckKind } from './kind.js';
import { CHECK_KINDS, type CheckDeps, type CheckSchemas, type CheckSpec, type CheckType } from './kinds.js';

export { CHECK_KINDS, type CheckDeps, type CheckSpec, type CheckType };

type AnyCheckKind = CheckKind<string, z.ZodType, unknown>;

/** The registered kinds by `type`. */
export const CHECKS: Readonly<Record<CheckType, AnyCheckKind>> = Object.fromEntries(CHECK_KINDS.map((k) => [k.type, k as unknown as AnyCheckKind])) as Record<CheckType, AnyCheckKind>;

/** The union of every kind's declaration, discriminated by `type`. */
export function checkSchema(defaultIntervalMs: number) {
  return z.discriminatedUnion('type', CHECK_KINDS.map((k) => k.schema(defaultIntervalMs)) as unknown as CheckSchemas);
}

/** The registered kind of a declaration. */
export function checkKindOf(spec: { type: string }): AnyCheckKind {
  const kind = (CHECKS as Partial<Record<string, AnyCheckKind>>)[spec.type];
  // The schema admits only registered types, so this is a caller passing an unparsed spec.
  if (!kind) throw new Error(`unknown check type ${JSON.stringify(spec.type)}`);
  return kind;
}

/** The label a check carries in events and snapshots. */
export function checkName(spec: CheckSpec): string {
  return spec.name ? spec.name : checkKindOf(spec).defaultName(spec);
}

/** True when the check's pass shows the service serving its clients (see CheckKind.servesTraffic). */
export function servesTraffic(spec: CheckSpec): boolean {
  return checkKindOf(spec).servesTraffic;
}

/** The TCP ports a check connects to. */
export function checkPorts(spec: CheckSpec): number[] {
  return checkKindOf(spec).ports?.(spec) ?? [];
}

export function createCheck(spec: CheckSpec, deps: CheckDeps = {}): HealthCheck {
  const kind = checkKindOf(spec);
  return kind.create(checkName(spec), spec, (deps as Record<string, unknown>)[kind.type]);
}
