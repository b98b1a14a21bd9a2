import type { Clock, Logger } from '@vigil/shared';
import type { CoordinatorConfig } from '../config.js';
import type { NatsLink } from '../outbox/nats-link.js';
import type { HostRegistry } from '../registry/host-registry.js';
import { Membership } from './membership.js';
import { HostOwnership } from './ownership.js';

export interface ClusterMember {
  readonly membership: Membership;
  readonly ownership: HostOwnership;
  /** Leaves at once (a planned stop): survivors adopt this one's hosts without waiting for the TTL. */
  leave(): Promise<void>;
}

export const MEMBERS_BUCKET = 'vigil-coordinators';
export const HOSTS_BUCKET = 'vigil-hosts';

/**
 * Joins the coordinators sharing this fleet: announces itself, claims each host whose
 * agent says Hello here, lets go of hosts claimed elsewhere, adopts those of coordinators
 * that left, and keeps only its own hosts of what it loaded from its store.
 */
export async function joinCluster(config: CoordinatorConfig, nats: NatsLink, registry: HostRegistry, clock: Clock, log: Logger): Promise<ClusterMember> {
  const membersKv = await nats.kv(MEMBERS_BUCKET, { ttl: config.clusterTtl, history: 1 });
  const hostsKv = await nats.kv(HOSTS_BUCKET, { history: 1 });
  const membership = new Membership(membersKv, config.id, { grpc: `${config.grpc.host}:${config.grpc.port}` }, clock, log, {
    refreshMs: Math.max(200, Math.floor(config.clusterTtl / 3)),
  });
  await membership.start();
  const ownership = new HostOwnership(
    hostsKv,
    membership,
    { released: (id) => registry.release(id), adopted: (id, o) => registry.adopt(id, o) },
    clock,
    log,
    { adoptEveryMs: Math.max(200, Math.floor(config.clusterTtl / 2)) },
  );
  // What the store remembers may belong to another coordinator by now.
  for (const h of registry.list()) {
    const e = await hostsKv.get(h.id);
    if (!e || e.operation !== 'PUT') continue;
    const owner = e.json<{ owner: string }>().owner;
    if (owner !== config.id && membership.isAlive(owner)) registry.release(h.id);
  }
  registry.subscribe((e) => {
    if (e.type === 'removed') {
      void ownership.forget(e.host.id).catch((err: unknown) => log.warn({ err: (err as Error).message, host: e.host.id }, 'forgetting removed host failed'));
      return;
    }
    if (e.type !== 'hello') return;
    const { host } = e;
    const claim = { intervalMs: host.intervalMs, hostname: host.hostname, labels: host.labels, agentStartedAt: host.agentStartedAt ?? 0, attempt: e.attempt };
    void ownership.claim(host.id, claim).catch((err: unknown) =>
      log.warn({ err: (err as Error).message, host: e.host.id }, 'claiming host failed'),
    );
  });
  await ownership.start();
  log.info({ id: config.id, members: [...membership.members()] }, 'joined coordinator cluster');
  return {
    membership,
    ownership,
    async leave() {
      ownership.stop();
      await membership.leave();
    },
  };
}
