import { classesOfScope, type Logger, type ProblemClass, type ValidLogFinding } from '@vigil/shared';
import type { Diagnoser, HostDiagnosis } from '../diagnosis/diagnoser.js';
import type { IncidentManager } from '../incidents/incident-manager.js';
import type { Incident } from '../incidents/types.js';
import type { HostRegistry } from '../registry/host-registry.js';
import type { HostRecord, RegistryEvent } from '../registry/types.js';
import type { IncidentReads } from './incident-reads.js';
import type { PartitionWatch } from './partition-watch.js';

export interface ResponderOptions {
  /** Share of known hosts silent within one window that makes the observer a suspect. @default 0.3 */
  partitionRatio: number;
  /** Fewer silent hosts than this are never a partition. @default 3 */
  partitionMinHosts: number;
  /** The window within which those hosts must have fallen silent. @default 30 s */
  partitionWindowMs: number;
  /** Hosts of one zone unreachable together that make one zone incident. @default 2 */
  zoneGroupMin: number;
  zoneLabel: string;
  /** Consecutive heartbeats reporting a service down before an incident opens. @default 2 */
  serviceReportsBeforeIncident: number;
  /**
   * Diagnoses of silent hosts run at once; the rest wait in arrival order, and a host back
   * online while it waits is dropped (`diagnosis-queue.ts`). @default 16
   */
  diagnosisConcurrency: number;
}

export const DEFAULT_RESPONDER_OPTIONS: ResponderOptions = {
  partitionRatio: 0.3,
  partitionMinHosts: 3,
  partitionWindowMs: 30_000,
  zoneGroupMin: 2,
  zoneLabel: 'zone',
  serviceReportsBeforeIncident: 2,
  diagnosisConcurrency: 16,
};

/** Classes of an incident about a host itself (not one of its services, not the observer): the `scope` column of PROBLEM_CLASS_TABLE. */
export const HOST_CLASSES: readonly ProblemClass[] = classesOfScope('host');

export function isHostClass(cls: string): boolean {
  return (HOST_CLASSES as readonly string[]).includes(cls);
}

/** Classes of an incident about one service: the `scope` column of PROBLEM_CLASS_TABLE. */
export const SERVICE_CLASSES: readonly ProblemClass[] = classesOfScope('service');

export function isServiceClass(cls: string): boolean {
  return (SERVICE_CLASSES as readonly string[]).includes(cls);
}

/** What the rules react to: the registry's events plus the responder's own. */
export type ResponseEvent =
  | RegistryEvent
  /** A silent host's diagnosis finished. */
  | { type: 'diagnosed'; diagnosis: HostDiagnosis; reason: string }
  /** A host incident was raised (opened, or observed again) from a diagnosis. */
  | { type: 'host_incident'; incident: Incident; created: boolean; host: HostRecord };

export type ResponseEventType = ResponseEvent['type'];
export type ResponseEventOf<T extends ResponseEventType> = Extract<ResponseEvent, { type: T }>;

/** The incident manager's writing side: all a rule may change. */
export type IncidentWrites = Pick<IncidentManager, 'raise' | 'escalate' | 'conditionClear' | 'conditionPresent' | 'setParent' | 'attachRootCause' | 'note'>;

/** What the rules share between events; owned by the responder, one per coordinator. */
export interface ResponseState {
  /** Recently silent hosts, and what peers saw of them. */
  readonly partition: PartitionWatch;
  /** The open observer_partition incident, if any. */
  partitionIncident: string | undefined;
  /** host\0service → consecutive heartbeats reporting it down. */
  readonly downReports: Map<string, number>;
  /**
   * host\0service of services that may have an open incident: a running service's
   * heartbeat then needs no incident lookup at all, which matters on the heartbeat path.
   */
  readonly serviceIncidents: Set<string>;
}

export interface ResponseContext {
  readonly opts: ResponderOptions;
  readonly registry: HostRegistry;
  readonly incidents: IncidentWrites;
  readonly reads: IncidentReads;
  readonly log: Logger;
  /** The subject of this coordinator's own incidents (observer partition). */
  readonly observerId: string;
  readonly state: ResponseState;
  /** The coordinator's clock. */
  now(): number;
  readonly serviceVerdict: Diagnoser['serviceVerdict'];
  /**
   * Diagnoses a host (one run at a time per host, at most `diagnosisConcurrency` in all,
   * the rest queued); its result comes back as a `diagnosed` event. `undefined` when it
   * failed or was dropped from the queue.
   */
  diagnose(hostId: string, reason: string): Promise<HostDiagnosis | undefined>;
  /** Drops a host's diagnosis still waiting for a slot (one under way finishes). */
  cancelQueuedDiagnosis(hostId: string): void;
  /** Hands an event to the rules, now. */
  emit(e: ResponseEvent): void;
  /** Recent log findings of a host. */
  findingsOf(hostId: string): ValidLogFinding[];
}

/** One reaction: a small rule run for one kind of event. */
export interface ResponseRule<T extends ResponseEventType = ResponseEventType> {
  readonly name: string;
  readonly on: T;
  handle(e: ResponseEventOf<T>, ctx: ResponseContext): void;
}

/** Any rule of the table: a union with one member per event type. */
export type AnyResponseRule = { [T in ResponseEventType]: ResponseRule<T> }[ResponseEventType];
