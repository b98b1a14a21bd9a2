import { PROBLEM_CLASS_TABLE, type ValidServiceStatus } from '@vigil/shared';
import type { HostRecord } from '../../registry/types.js';
import { isHostClass, type ResponseContext, type ResponseRule } from '../context.js';
import { attachKnownRootCause } from './root-cause.js';

/**
 * Each heartbeat's service states: a service reported down (or erring) on consecutive
 * heartbeats opens a service incident; one reported running again clears it.
 */
export const serviceStatusRule: ResponseRule<'heartbeat'> = {
  name: 'service-status',
  on: 'heartbeat',
  handle({ host }, ctx) {
    for (const s of host.serviceStatus) onServiceStatus(host, s, ctx);
  },
};

function onServiceStatus(host: HostRecord, s: ValidServiceStatus, ctx: ResponseContext): void {
  const { state } = ctx;
  const key = `${host.id}\u0000${s.name}`;
  const { verdict, facts } = ctx.serviceVerdict(null, s);
  const cls = verdict.outcome.class;
  if (cls === 'service_failure' || cls === 'partial_failure') {
    // The agent is at level 1 itself (its local recovery is running): an incident opens
    // only if that does not bring the service back, or when the agent reports exhaustion.
    if (s.recovering) return;
    const n = (state.downReports.get(key) ?? 0) + 1;
    state.downReports.set(key, n);
    if (n < ctx.opts.serviceReportsBeforeIncident) return;
    const existing = ctx.reads.findActive(host.id, s.name, cls);
    if (existing) {
      if (existing.clearSince !== null) ctx.incidents.conditionPresent(existing.id, `${s.name} ${s.state} again`);
      return;
    }
    const info = PROBLEM_CLASS_TABLE[cls];
    const hostIncident = ctx.reads.activeForSubject(host.id).find((i) => i.service === '' && isHostClass(i.class));
    const detail = cls === 'partial_failure' ? `error rate ${(facts.error_rate! * 100).toFixed(1)} % of ${s.errorRate?.requests ?? 0} requests` : `${s.state}`;
    state.serviceIncidents.add(key);
    const { incident } = ctx.incidents.raise({
      hostId: host.id,
      service: s.name,
      class: cls,
      confidence: verdict.outcome.confidence,
      summary: `${host.id}/${s.name}: ${info.message} (${detail})`,
      diagnosis: { facts, path: verdict.path, next: verdict.outcome.next, status: s, immediateActions: info.immediateActions },
      parentId: hostIncident?.id ?? null,
    });
    attachKnownRootCause(incident, ctx);
    return;
  }
  state.downReports.delete(key);
  if (!state.serviceIncidents.has(key)) return;
  let open = false;
  for (const c of ['service_failure', 'partial_failure'] as const) {
    const i = ctx.reads.findActive(host.id, s.name, c);
    if (!i) continue;
    open = true;
    if (i.clearSince === null) ctx.incidents.conditionClear(i.id, `${s.name} running${c === 'partial_failure' ? ' with a normal error rate' : ''}`);
  }
  if (!open) state.serviceIncidents.delete(key);
}
