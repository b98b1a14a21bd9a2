import { isHostClass, type ResponseRule } from '../context.js';

/**
 * A host that loses its stream or falls silent has its open host incident's condition
 * present again at once: not when the diagnosis finishes (a second to the SSH timeout
 * later), or a host that flaps faster than that would see each incident resolve while it
 * is already down again and a new one open every cycle. A silent host is then diagnosed
 * from outside (or waits for a slot, `diagnosisConcurrency`); a host back online (or
 * stopped on purpose) leaves that queue and clears its host incident, which resolves
 * after the settle window.
 */
export const hostSilenceRule: ResponseRule<'transition'> = {
  name: 'host-silence',
  on: 'transition',
  handle({ transition: t, host }, ctx) {
    if (t.to === 'suspect' || t.to === 'silent') {
      for (const i of ctx.reads.activeForSubject(host.id)) {
        if (i.service === '' && isHostClass(i.class)) ctx.incidents.conditionPresent(i.id, `host ${t.to} again: ${t.reason}`);
      }
    }
    if (t.to === 'silent') {
      // Also under an observer partition: every silent host gets its incident (then
      // explained by the partition), and its peers' view is evidence for the verdict.
      void ctx.diagnose(host.id, 'host went silent');
      return;
    }
    if (t.to === 'online' || t.to === 'left') {
      // Under a fleet-wide cut most hosts wait for a diagnosis slot; one back needs none.
      ctx.cancelQueuedDiagnosis(host.id);
      for (const i of ctx.reads.activeForSubject(host.id)) {
        if (i.service === '' && isHostClass(i.class)) {
          ctx.incidents.conditionClear(i.id, t.to === 'online' ? 'host online again, agent heartbeating' : 'agent said goodbye: planned stop');
        }
      }
    }
  },
};
