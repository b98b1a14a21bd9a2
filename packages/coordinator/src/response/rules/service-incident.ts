import type { Incident } from '../../incidents/types.js';
import { isServiceClass, type ResponseContext } from '../context.js';

/**
 * The unresolved incident of one service, whatever its class (`preferred` first): an
 * outage of one service is one incident, also when it turns from erring into down or when
 * the agent reports exhaustion while the incident is settling.
 */
export function serviceIncidentOf(hostId: string, service: string, ctx: ResponseContext, preferred?: Incident['class']): Incident | undefined {
  if (!service) return undefined;
  const own = preferred ? ctx.reads.findActive(hostId, service, preferred) : undefined;
  return own ?? ctx.reads.activeForSubject(hostId).find((i) => i.service === service && isServiceClass(i.class));
}

export function serviceKey(hostId: string, service: string): string {
  return `${hostId}\u0000${service}`;
}
