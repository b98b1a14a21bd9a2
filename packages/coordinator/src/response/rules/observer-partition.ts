import { isHostClass, type ResponseContext, type ResponseRule } from '../context.js';
import { judgePartition, peerEvidence } from '../partition-verdict.js';

/**
 * "Is it them, or is it us?" (`partition-verdict.ts`): when many hosts fall silent within
 * one window, the coordinator is judged from the hosts still heartbeating to it and from
 * what healthy peers saw of the silent ones. An observer partition is one
 * `observer_partition` incident that explains the host and zone incidents, which stay
 * quiet; it clears when most hosts are reachable again.
 */
export const observerPartitionRule: ResponseRule<'transition'> = {
  name: 'observer-partition',
  on: 'transition',
  handle({ transition: t, host }, ctx) {
    if (t.to === 'silent') {
      ctx.state.partition.silent(host.id, t.at);
      checkPartition(ctx);
      return;
    }
    if (t.to === 'online' || t.to === 'left') {
      ctx.state.partition.back(host.id);
      checkPartitionClear(ctx);
    }
  },
};

/** A silent host's diagnosis is in: what its peers saw may settle the question (before its incident is raised). */
export const observerPartitionEvidenceRule: ResponseRule<'diagnosed'> = {
  name: 'observer-partition-evidence',
  on: 'diagnosed',
  handle({ diagnosis }, ctx) {
    if (ctx.state.partition.evidence(diagnosis.hostId, peerEvidence(diagnosis))) checkPartition(ctx);
  },
};

function checkPartition(ctx: ResponseContext): void {
  const { opts, state } = ctx;
  if (state.partitionIncident) return;
  const now = ctx.now();
  const c = ctx.registry.stateCounts();
  const known = c.online + c.suspect + c.silent;
  const silent = state.partition.hostsSince(now);
  // One pass that stops at the first peer, and only when the verdict needs it: this runs
  // on every silent transition, also in a fleet-wide outage.
  const peersAvailable = (): boolean => {
    if (c.online === 0) return false;
    for (const h of ctx.registry.all()) {
      if (h.state === 'online' && h.capabilities.includes('probes') && ctx.registry.isConnected(h.id)) return true;
    }
    return false;
  };
  const verdict = judgePartition({
    silent,
    known,
    connected: c.online,
    evidence: state.partition.evidenceOf(),
    peersAvailable,
    minHosts: opts.partitionMinHosts,
    ratio: opts.partitionRatio,
  });
  if (verdict.kind !== 'partition') {
    if (silent.length >= opts.partitionMinHosts) ctx.log.info({ silent: silent.length, known, verdict: verdict.kind, why: verdict.why }, 'many hosts silent: not an observer partition (yet)');
    return;
  }
  const { incident } = ctx.incidents.raise({
    hostId: ctx.observerId,
    class: 'observer_partition',
    confidence: 0.9,
    summary: `${silent.length} of ${known} hosts fell silent within ${Math.round(opts.partitionWindowMs / 1000)} s: the coordinator's own connectivity is the likely fault (${verdict.why})`,
    diagnosis: { silentHosts: silent, known, connected: c.online, evidence: Object.fromEntries(state.partition.evidenceOf()), why: verdict.why },
  });
  state.partitionIncident = incident.id;
  ctx.log.warn({ silent: silent.length, known, why: verdict.why }, 'observer partition suspected: per-host paging held');
  // Host and zone incidents opened before the pattern was clear are explained by it now.
  for (const i of ctx.reads.allActive()) {
    if (i.subject.kind === 'zone') ctx.incidents.setParent(i.id, incident.id, `explained by observer partition ${incident.id}`);
  }
  for (const hostId of silent) {
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
