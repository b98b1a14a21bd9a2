import type { Clock } from '@vigil/shared';
import type { z } from 'zod';
import type { ServiceManager } from './manager.js';
import type { ServiceCommonShape } from './schema.js';

/*
 * What one kind of service manager is: the fields its declaration adds beside `manager:`
 * and the fields every service has, and how it is built. A kind is one file exporting one
 * of these, registered by one line in MANAGER_KINDS (manager-kinds.ts); the service
 * schema's union, `ServiceSpec`, `ManagerKind`, `ManagerDeps` and the factory derive from it.
 */

/** The declaration of a service run by the manager of kind `K` with own fields `F`. */
export type ServiceSchemaOf<K extends string, F extends z.ZodRawShape> = z.ZodObject<{ manager: z.ZodLiteral<K> } & F & ServiceCommonShape, z.core.$strict>;
export type ServiceSpecOf<K extends string, F extends z.ZodRawShape> = z.output<ServiceSchemaOf<K, F>>;

export interface ManagerKindDef<K extends string = string, F extends z.ZodRawShape = z.ZodRawShape, D = unknown> {
  /** The `manager:` of the declaration. */
  readonly kind: K;
  /** The declaration's own fields (the common ones are added by the service schema). */
  fields(): F;
  /** `deps` are this kind's entry of ManagerDeps; `clock` the shared one when given. */
  create(spec: ServiceSpecOf<K, F>, deps: D | undefined, clock: Clock | undefined): ServiceManager;
  /**
   * True when the agent itself runs the service's processes: it starts the service when it
   * starts watching it, and holds its output (so a port conflict can be read from it).
   * False for a manager that runs services on its own (systemd starts units at boot).
   */
  readonly ownsProcesses: boolean;
}

/** Keeps the literal types of a kind (its name, fields and deps) for the derived union. */
export function defineManagerKind<K extends string, F extends z.ZodRawShape, D = never>(kind: ManagerKindDef<K, F, D>): ManagerKindDef<K, F, D> {
  return kind;
}
