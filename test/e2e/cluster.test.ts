import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../helpers/agent.js';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { hostStates } from '../helpers/http.js';
import { report } from '../helpers/measure.js';
import { EventWatcher } from '../helpers/nats-watch.js';
import { NatsServer } from '../helpers/nats-server.js';
import { holdsFor, waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

/**
 * Two coordinator processes share one fleet through NATS KV (docs/scaling.md, step 1).
 * Coordinator A is killed with SIGKILL: its agents fail over to B, B adopts A's hosts,
 * and only the host whose agent died with A is reported silent, once.
 */
/** The owner each host's claim names in the cluster's KV (`vigil-hosts`), by host id. */
async function kvOwners(url: string, hostIds: string[]): Promise<Record<string, string | undefined>> {
  const nc = await connect({ servers: url, name: 'vigil-test-kv', maxReconnectAttempts: 0 });
  try {
    const kv = await nc.jetstream().views.kv('vigil-hosts');
    const out: Record<string, string | undefined> = {};
    for (const h of hostIds) {
      const e = await kv.get(h);
      out[h] = e && e.operation === 'PUT' ? (e.json() as { owner?: string }).owner : undefined;
    }
    return out;
  } finally {
    await nc.close().catch(() => undefined);
  }
}

describe('cluster - a coordinator crash', () => {
  let nats: NatsServer;
  let watcher: EventWatcher;
  let a: Coordinator;
  let b: Coordinator;
  const agents = new Map<string, Agent>();
  const clusterArgs = ['--cluster', '--cluster-ttl', '1500ms', '--restart-grace', '3s', '--disconnect-grace', '500ms'];
  // A failure prints both coordinators' logs, at info: adoption and each verdict say why.
  dumpLogsOnFailure();

  beforeAll(async () => {
    nats = await NatsServer.start();
    watcher = await EventWatcher.start(nats.url, 'vigil.v1.host.>');
    a = await Coordinator.start({ nats: nats.url, id: 'coord-a', logLevel: 'info', extraArgs: clusterArgs });
    b = await Coordinator.start({ nats: nats.url, id: 'coord-b', logLevel: 'info', extraArgs: clusterArgs });
    for (const id of ['on-a-1', 'on-a-2', 'casualty']) agents.set(id, startAgent({ coordinator: `${a.grpcTarget},${b.grpcTarget}`, hostId: id }));
    agents.set('on-b-1', startAgent({ coordinator: `${b.grpcTarget},${a.grpcTarget}`, hostId: 'on-b-1' }));
    await waitFor(async () => {
      const sa = await hostStates(a.baseUrl);
      const sb = await hostStates(b.baseUrl);
      return ['on-a-1', 'on-a-2', 'casualty'].every((h) => sa[h] === 'online') && sb['on-b-1'] === 'online';
    }, { timeoutMs: 15_000, what: 'agents online on their first coordinator' });
    // A host's claim goes to the cluster's KV after its Hello is answered: a coordinator
    // killed before it landed takes the only record of the host with it (its agent dies
    // too here, so nothing brings it back). The crash below is of a cluster that knows
    // every host.
    const want: Record<string, string> = { 'on-a-1': 'coord-a', 'on-a-2': 'coord-a', casualty: 'coord-a', 'on-b-1': 'coord-b' };
    await waitFor(async () => {
      const owners = await kvOwners(nats.url, Object.keys(want));
      return Object.entries(want).every(([h, o]) => owners[h] === o) ? owners : undefined;
    }, { timeoutMs: 15_000, what: 'every host claimed in the cluster KV by its first coordinator', observe: () => kvOwners(nats.url, Object.keys(want)) });
  });

  afterAll(async () => {
    await watcher?.close().catch(() => undefined);
    await stopAllChildren();
    await nats?.stop(2000).catch(() => undefined);
    removeTempDirs();
  });

  it('fails agents over, adopts the dead coordinator hosts, and reports only the dead host', async () => {
    const t0 = performance.now();
    await a.kill();
    await agents.get('casualty')!.kill();
    // The surviving agents reconnect to B and are online there; B adopted the casualty.
    await waitFor(async () => {
      const s = await hostStates(b.baseUrl);
      return s['on-a-1'] === 'online' && s['on-a-2'] === 'online' && s['on-b-1'] === 'online' ? s : undefined;
    }, { timeoutMs: 15_000, what: 'failed-over agents online on B', observe: () => hostStates(b.baseUrl) });
    report('cluster_failover_online_ms', performance.now() - t0, 'ms');
    const silent = await watcher.waitForEvent((e) => e.subject === 'vigil.v1.host.silent.casualty', { timeoutMs: 15_000 });
    report('cluster_dead_host_silent_after_coordinator_kill_ms', silent.receivedAt - t0, 'ms');
    expect((silent.event as { source?: string } | undefined)?.source).toBe('vigil-coordinator/coord-b');
    await holdsFor(
      () => {
        const silents = watcher.events.filter((e) => e.subject.startsWith('vigil.v1.host.silent.'));
        return silents.length === 1 && silents[0]!.subject.endsWith('.casualty');
      },
      { durationMs: 2000, what: 'exactly one silent event, for the casualty' },
    );
  });
});
