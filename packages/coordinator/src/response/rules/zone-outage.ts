import type { ProblemClass } from '@vigil/shared';
import type { Incident } from '../../incidents/types.js';
import type { HostRecord } from '../../registry/types.js';
import type { ResponseContext, ResponseRule } from '../context.js';
import { zoneSubject } from '../subjects.js';

/**
 * A zone whose shared dependency failed (switch, router, uplink): when enough of its
 * hosts are unreachable together, one zone incident explains their host incidents.
 */
export const zoneOutageRule: ResponseRule<'host_incident'> = {
  name: 'zone-outage',
  on: 'host_incident',
  handle({ incident, host }, ctx) {
    // Under an observer partition the zone pattern is the partition's doing, not the zone's.
    if (incident.class !== 'network_issue' || ctx.state.partitionIncident) return;
    groupZone(host, ctx);
  },
};

/** The open zone incident that explains a host's incident of this class, if any. */
export function zoneIncidentFor(host: HostRecord, cls: ProblemClass, ctx: ResponseContext): Incident | undefined {
  if (cls !== 'network_issue') return undefined;
  const zone = host.labels[ctx.opts.zoneLabel];
  if (!zone) return undefined;
  return ctx.reads.findActive(zoneSubject(zone), '', 'network_issue');
}

function groupZone(host: HostRecord, ctx: ResponseContext): void {
  const label = ctx.opts.zoneLabel;
  const zone = host.labels[label];
  if (!zone) return;
  const zoneHosts = [...ctx.registry.all()].filter((h) => h.labels[label] === zone && h.state !== 'left');
  const down = zoneHosts.map((h) => ctx.reads.findActive(h.id, '', 'network_issue')).filter((i): i is Incident => i !== undefined);
  if (down.length < ctx.opts.zoneGroupMin || down.length * 2 < zoneHosts.length) return;
  const { incident: zoneIncident } = ctx.incidents.raise({
    hostId: zoneSubject(zone),
    class: 'network_issue',
    confidence: 0.9,
    summary: `${down.length} of ${zoneHosts.length} hosts in zone ${zone} unreachable: a shared dependency (switch, router, uplink) is the likely cause`,
    diagnosis: { hosts: down.map((i) => i.hostId) },
  });
  for (const i of down) ctx.incidents.setParent(i.id, zoneIncident.id, `grouped into zone incident ${zoneIncident.id}`);
}
