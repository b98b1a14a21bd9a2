import { VigilError } from '@vigil/shared';
import type { ConflictReason } from './lifecycle.js';
import type { IncidentState } from './types.js';

/**
 * A request the incident's state does not allow (acknowledge a resolved incident, reopen
 * an open one). Its code is CONFLICT (HTTP 409, gRPC FAILED_PRECONDITION); `reason` says
 * which rule refused it.
 */
export class IncidentConflictError extends VigilError {
  constructor(
    readonly incidentId: string,
    readonly state: IncidentState,
    readonly reason: ConflictReason,
    detail: string,
  ) {
    super('CONFLICT', `incident "${incidentId}" is ${state}: ${detail}`);
    this.name = 'IncidentConflictError';
  }
}

/** A rule of the manager was about to be broken; a bug, never the caller's fault. */
export class IncidentInvariantError extends VigilError {
  constructor(incidentId: string, rule: string) {
    super('INTERNAL', `incident "${incidentId}" would break the rule: ${rule}`);
    this.name = 'IncidentInvariantError';
  }
}
