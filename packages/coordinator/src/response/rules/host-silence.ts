import { isHostClass, type ResponseRule } from '../context.js';

/**
 * A silent host is diagnosed from outside; a host back online (or stopped on purpose)
 * clears its host incident, which resolves after the settle window.
 */
export const hostSilenceRule: ResponseRule<'transition'> = {
  name: 'host-silence',
  on: 'transition',
  handle({ transition: t, host }, ctx) {
    if (t.to === 'silent') {
      // Under an observer partition the coordinator's view of the host says nothing about it.
      if (ctx.state.partitionIncident) return;
      void ctx.diagnose(host.id, 'host went silent');
      return;
    }
    if (t.to === 'online' || t.to === 'left') {
      for (const i of ctx.reads.activeForSubject(host.id)) {
        if (i.service === '' && isHostClass(i.class)) {
          ctx.incidents.conditionClear(i.id, t.to === 'online' ? 'host online again, agent heartbeating' : 'agent said goodbye: planned stop');
        }
      }
    }
  },
};
