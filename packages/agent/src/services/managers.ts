import type { ServiceManager } from './manager.js';
import type { ManagerKindDef } from './manager-kind.js';
import { MANAGER_KINDS, type ManagerDeps } from './manager-kinds.js';
import type { ManagerKind, ServiceSpec } from './schema.js';

export { MANAGER_KINDS, type ManagerDeps };

type AnyManagerKind = ManagerKindDef<string, Record<string, never>, unknown>;

/** The registered kinds by `manager:`. */
export const MANAGERS: Readonly<Record<ManagerKind, AnyManagerKind>> = Object.fromEntries(MANAGER_KINDS.map((k) => [k.kind, k as unknown as AnyManagerKind])) as Record<ManagerKind, AnyManagerKind>;

/** The registered kind of a declaration's `manager:`. */
export function managerKindOf(kind: string): AnyManagerKind {
  const def = (MANAGERS as Partial<Record<string, AnyManagerKind>>)[kind];
  // The schema admits only registered kinds, so this is a caller passing an unparsed spec.
  if (!def) throw new Error(`unknown service manager ${JSON.stringify(kind)}`);
  return def;
}

/** True when the agent itself runs the services of this kind (ManagerKindDef.ownsProcesses); false for an unknown kind. */
export function ownsProcesses(kind: string): boolean {
  return (MANAGERS as Partial<Record<string, AnyManagerKind>>)[kind]?.ownsProcesses ?? false;
}

export function createManager(spec: ServiceSpec, deps: ManagerDeps = {}): ServiceManager {
  const kind = managerKindOf(spec.manager);
  return kind.create(spec as never, (deps as Record<string, unknown>)[kind.kind], deps.clock);
}
