import { PROBLEM_CLASS_TABLE, type ProblemClass } from '@vigil/shared';
import { isHostClass, type ResponseRule } from '../context.js';
import { attachKnownRootCause } from './root-cause.js';
import { zoneIncidentFor } from './zone-outage.js';

/**
 * A finished diagnosis opens (or updates) the host's incident with the class, confidence
 * and tree path it found. An open observer partition or zone incident explains it.
 */
export const hostDiagnosisRule: ResponseRule<'diagnosed'> = {
  name: 'host-diagnosis',
  on: 'diagnosed',
  handle({ diagnosis: d, reason }, ctx) {
    const cls = d.verdict.outcome.class;
    const host = ctx.registry.get(d.hostId);
    if (!host) return;
    if (cls === 'healthy') {
      if (host.state !== 'online') ctx.log.info({ host: d.hostId }, 'silent host looks healthy from outside; agent may be recovering');
      return;
    }
    // The host came back while we were probing: nothing to open.
    if (host.state === 'online' && isHostClass(cls)) return;
    const info = PROBLEM_CLASS_TABLE[cls as ProblemClass];
    const parent = ctx.state.partitionIncident ?? zoneIncidentFor(host, cls as ProblemClass, ctx)?.id;
    const { incident, created } = ctx.incidents.raise({
      hostId: d.hostId,
      class: cls as ProblemClass,
      confidence: d.verdict.outcome.confidence,
      summary: `${d.hostId}: ${info.message}`,
      diagnosis: { reason, facts: d.facts, findings: d.findings, path: d.verdict.path, next: d.verdict.outcome.next, notes: d.notes, vantages: d.vantages, immediateActions: info.immediateActions },
      parentId: parent ?? null,
    });
    if (created) attachKnownRootCause(incident, ctx);
    for (const note of d.notes) ctx.incidents.note(incident.id, 'observation', note);
    ctx.emit({ type: 'host_incident', incident, created, host });
  },
};
