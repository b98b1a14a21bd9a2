import type { z } from 'zod';
import { httpCheckKind } from './http.js';
import type { CheckKind } from './kind.js';
import { resourcesCheckKind } from './resources.js';
import { tcpCheckKind } from './tcp.js';

/**
 * Every kind of health check, one line each: adding a kind is its file (exporting a
 * CheckKind) and one line here. The declaration schema's union, `CheckSpec`, the factory,
 * the default names, the ports and the serving probes all derive from this array (registry.ts).
 */
export const CHECK_KINDS = [httpCheckKind, tcpCheckKind, resourcesCheckKind] as const;

type Kinds = typeof CHECK_KINDS;
type AnyKind = Kinds[number];
type SchemaOf<K> = K extends CheckKind<string, infer S, infer _D> ? S : never;

/** The parsed declaration of any registered kind. */
export type CheckSpec = z.output<SchemaOf<AnyKind>>;
export type CheckType = CheckSpec['type'];

/** What the factory may be given, per kind (e.g. `resources: { procRoot }`). */
export type CheckDeps = { [K in AnyKind as K['type']]?: Parameters<K['create']>[2] };

/** The kinds' schemas, as zod's discriminated union wants them (at least one). */
export type CheckSchemas = [SchemaOf<AnyKind>, ...SchemaOf<AnyKind>[]];
