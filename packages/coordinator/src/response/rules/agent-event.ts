import { PROBLEM_CLASS_TABLE } from '@vigil/shared';
import type { ResponseRule } from '../context.js';
import { attachEventCause, attachKnownRootCause } from './root-cause.js';
import { serviceIncidentOf, serviceKey } from './service-incident.js';

/** Events that say the service is down (again) at the moment they are sent. */
const DOWN_EVENTS: ReadonlySet<string> = new Set(['recovery_started', 'recovery_failed', 'recovery_exhausted', 'recurrence']);

/**
 * The agent's recovery events land on the timeline of the service's incident. An event
 * that says the service is down marks that incident's condition present. When the agent's
 * own recovery gave up or the failure came back, level 1 is spent (runbook 3/4): the
 * service's incident escalates at once; it is the one already open for the service
 * (whatever its class, also while it settles), and only a service without one gets a new
 * incident.
 */
export const agentEventRule: ResponseRule<'agent_event'> = {
  name: 'agent-event',
  on: 'agent_event',
  handle({ hostId, event: e }, ctx) {
    const active = e.service === '' ? [] : ctx.reads.activeForSubject(hostId).filter((i) => i.service === e.service);
    const what = `${e.type}${e.step ? ` ${e.step}` : ''}${e.detail ? `: ${e.detail}` : ''}`;
    for (const i of active) ctx.incidents.note(i.id, 'agent_event', what, e);
    const escalates = e.type === 'recovery_exhausted' || e.type === 'recurrence';
    let target = serviceIncidentOf(hostId, e.service, ctx, 'service_failure');
    if (target && DOWN_EVENTS.has(e.type) && target.clearSince !== null) ctx.incidents.conditionPresent(target.id, `the agent reports ${what}`);
    if (!escalates) return;
    ctx.state.serviceIncidents.add(serviceKey(hostId, e.service));
    if (!target) {
      const info = PROBLEM_CLASS_TABLE.service_failure;
      target = ctx.incidents.raise({
        hostId,
        service: e.service,
        class: 'service_failure',
        confidence: 0.95,
        summary: `${hostId}/${e.service}: ${info.message} (${e.type === 'recovery_exhausted' ? 'automatic recovery exhausted' : 'failure recurred after recovery'})`,
        diagnosis: { event: e, immediateActions: info.immediateActions },
      }).incident;
      ctx.incidents.note(target.id, 'agent_event', `${e.type}${e.detail ? `: ${e.detail}` : ''}`, e);
      attachKnownRootCause(target, ctx);
    }
    // Before the escalation below: its actions depend on the cause.
    attachEventCause(ctx.reads.get(target.id) ?? target, e, ctx);
    if (target.state === 'open' && target.level < 2) ctx.incidents.escalate(target.id, e.type === 'recovery_exhausted' ? 'automatic recovery exhausted on the host' : 'failure recurred after recovery');
    else if (target.state === 'open' && e.type === 'recurrence') ctx.incidents.escalate(target.id, 'failure recurred after recovery');
  },
};
