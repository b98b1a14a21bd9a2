import { PROBLEM_CLASS_TABLE, type ValidServiceStatus } from '@vigil/shared';
import type { HostRecord } from '../../registry/types.js';
import { isHostClass, SERVICE_CLASSES, type ResponseContext, type ResponseRule } from '../context.js';
import { attachKnownRootCause } from './root-cause.js';
import { serviceIncidentOf, serviceKey } from './service-incident.js';

/**
 * Each heartbeat's service states. A service reported down (or erring) marks its open
 * incident present on every report, also while the agent is recovering it: in a crash
 * loop the one `running` report between two kills must not let the incident settle. A
 * new incident opens only after consecutive reports outside the agent's own recovery. A
 * service reported running again clears its incident, which resolves once it has stayed
 * clear for the settle window.
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
  const key = serviceKey(host.id, s.name);
  const { verdict, facts } = ctx.serviceVerdict(null, s);
  const cls = verdict.outcome.class;
  if (cls === 'service_failure' || cls === 'partial_failure') {
    const existing = state.serviceIncidents.has(key) ? serviceIncidentOf(host.id, s.name, ctx, cls) : undefined;
    if (existing) {
      state.downReports.set(key, (state.downReports.get(key) ?? 0) + 1);
      if (existing.clearSince !== null) ctx.incidents.conditionPresent(existing.id, `${s.name} ${s.state}${s.recovering ? ' (the agent is recovering it)' : ''} again`);
      return;
    }
    // The agent is at level 1 itself (its local recovery is running): an incident opens
    // only if that does not bring the service back, or when the agent reports exhaustion.
    if (s.recovering) return;
    const n = (state.downReports.get(key) ?? 0) + 1;
    state.downReports.set(key, n);
    if (n < ctx.opts.serviceReportsBeforeIncident) return;
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
  for (const c of SERVICE_CLASSES) {
    const i = ctx.reads.findActive(host.id, s.name, c);
    if (!i) continue;
    open = true;
    if (i.clearSince === null) ctx.incidents.conditionClear(i.id, `${s.name} running${c === 'partial_failure' ? ' with a normal error rate' : ''}`);
  }
  if (!open) state.serviceIncidents.delete(key);
}
