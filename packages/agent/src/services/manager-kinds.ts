import type { Clock } from '@vigil/shared';
import type { ManagerKindDef, ServiceSchemaOf } from './manager-kind.js';
import { processManagerKind } from './process.js';
import { systemdManagerKind } from './systemd.js';

/**
 * Every kind of service manager, one line each: adding a kind is its file (exporting a
 * ManagerKindDef) and one line here. The service schema's union, `ServiceSpec`,
 * `ManagerKind`, `ManagerDeps` and the factory (managers.ts) derive from this array.
 */
export const MANAGER_KINDS = [systemdManagerKind, processManagerKind] as const;

type AnyKind = (typeof MANAGER_KINDS)[number];
type SchemaOf<K> = K extends ManagerKindDef<infer N, infer F, infer _D> ? ServiceSchemaOf<N, F> : never;

/** The kinds' service schemas, as zod's discriminated union wants them (at least one). */
export type ServiceSchemas = [SchemaOf<AnyKind>, ...SchemaOf<AnyKind>[]];

/** What the factory may be given: a clock, and per kind its own options (e.g. `process: { record }`). */
export type ManagerDeps = { clock?: Clock } & { [K in AnyKind as K['kind']]?: Parameters<K['create']>[1] };
