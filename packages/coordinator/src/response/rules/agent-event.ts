import { PROBLEM_CLASS_TABLE } from '@vigil/shared';
import type { ResponseRule } from '../context.js';
import { attachKnownRootCause } from './root-cause.js';

/**
 * The agent's recovery events land on the timeline of the service's incident; when its
 * own recovery gave up or the failure came back, level 1 is spent (runbook 3/4) and the
 * incident escalates at once.
 */
export const agentEventRule: ResponseRule<'agent_event'> = {
  name: 'agent-event',
  on: 'agent_event',
  handle({ hostId, event: e }, ctx) {
    const active = ctx.reads.activeForSubject(hostId).filter((i) => i.service === e.service && e.service !== '');
    for (const i of active) {
      ctx.incidents.note(i.id, 'agent_event', `${e.type}${e.step ? ` ${e.step}` : ''}${e.detail ? `: ${e.detail}` : ''}`, e);
    }
    if (e.type !== 'recovery_exhausted' && e.type !== 'recurrence') return;
    let target = active.find((i) => i.class === 'service_failure') ?? active[0];
    ctx.state.serviceIncidents.add(`${hostId}\u0000${e.service}`);
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
    if (target.state === 'open' && target.level < 2) ctx.incidents.escalate(target.id, e.type === 'recovery_exhausted' ? 'automatic recovery exhausted on the host' : 'failure recurred after recovery');
    else if (target.state === 'open' && e.type === 'recurrence') ctx.incidents.escalate(target.id, 'failure recurred after recovery');
  },
};
