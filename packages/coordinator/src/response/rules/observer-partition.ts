import { isHostClass, type ResponseContext, type ResponseRule } from '../context.js';
import { subjectKind } from '../subjects.js';

/**
 * "Is it them, or is it us?": when many hosts fall silent within one window, the
 * coordinator's own connectivity is the likely fault. One observer_partition incident
 * then explains the host and zone incidents, which stay quiet; it clears when most hosts
 * are reachable again.
 */
export const observerPartitionRule: ResponseRule<'transition'> = {
  name: 'observer-partition',
  on: 'transition',
  handle({ transition: t, host }, ctx) {
    if (t.to === 'silent') {
      ctx.state.partition.silent(host.id, t.at);
      checkPartition(t.at, ctx);
      return;
    }
    if (t.to === 'online' || t.to === 'left') {
      ctx.state.partition.back(host.id);
      checkPartitionClear(ctx);
    }
  },
};

function checkPartition(now: number, ctx: ResponseContext): void {
  const { opts, state } = ctx;
  if (state.partitionIncident) return;
  const c = ctx.registry.stateCounts();
  const known = c.online + c.suspect + c.silent;
  const silent = state.partition.countSince(now);
  if (silent < opts.partitionMinHosts || silent < known * opts.partitionRatio) return;
  const { incident } = ctx.incidents.raise({
    hostId: ctx.observerId,
    class: 'observer_partition',
    confidence: 0.9,
    summary: `${silent} of ${known} hosts fell silent within ${Math.round(opts.partitionWindowMs / 1000)} s: the coordinator's own connectivity is the likely fault`,
    diagnosis: { silentHosts: state.partition.hostsSince(now), known },
  });
  state.partitionIncident = incident.id;
  ctx.log.warn({ silent, known }, 'observer partition suspected: per-host paging held');
  // Host and zone incidents opened before the pattern was clear are explained by it now.
  for (const i of ctx.reads.allActive()) {
    if (subjectKind(i.hostId) === 'zone') ctx.incidents.setParent(i.id, incident.id, `explained by observer partition ${incident.id}`);
  }
  for (const hostId of state.partition.hostsSince(now)) {
    for (const i of ctx.reads.activeForSubject(hostId)) {
      if (isHostClass(i.class)) ctx.incidents.setParent(i.id, incident.id, `explained by observer partition ${incident.id}`);
    }
  }
}

function checkPartitionClear(ctx: ResponseContext): void {
  const { opts, state } = ctx;
  if (!state.partitionIncident) return;
  const c = ctx.registry.stateCounts();
  const stillSilent = c.silent + c.suspect;
  const known = c.online + c.suspect + c.silent;
  if (stillSilent < Math.max(1, known * opts.partitionRatio * 0.5)) {
    ctx.incidents.conditionClear(state.partitionIncident, `${known - stillSilent} of ${known} hosts reachable again`);
    state.partitionIncident = undefined;
    state.partition.reset();
  }
}
