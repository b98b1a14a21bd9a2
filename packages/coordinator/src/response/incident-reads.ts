import type { ProblemClass } from '@vigil/shared';
import type { IncidentManager } from '../incidents/incident-manager.js';
import type { Incident } from '../incidents/types.js';

/**
 * The questions the response rules ask about incidents. The rules write through the
 * incident manager and read through this, never through its store: this file is the one
 * place that knows where the manager keeps its rows.
 */
export interface IncidentReads {
  get(id: string): Incident | undefined;
  /** The unresolved incident of one key (subject, service, class), if any. */
  findActive(subject: string, service: string, cls: ProblemClass): Incident | undefined;
  /** Unresolved incidents of one subject, oldest first. */
  activeForSubject(subject: string): Incident[];
  /** Every unresolved incident, oldest first. */
  allActive(): Incident[];
  /** Unresolved incidents explained by `parentId`. */
  children(parentId: string): Incident[];
}

export function incidentReads(m: IncidentManager): IncidentReads {
  return {
    get: (id) => m.get(id),
    findActive: (subject, service, cls) => m.store.findActive(subject, service, cls),
    activeForSubject: (subject) => m.store.activeForHost(subject),
    allActive: () => m.store.allActive(),
    children: (parentId) => m.store.children(parentId),
  };
}
