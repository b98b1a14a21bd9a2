import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadProto, type AgentMessageIn } from '@vigil/shared';
import { NatsServer } from '../../../../test/helpers/nats-server.js';
import { EventWatcher } from '../../../../test/helpers/nats-watch.js';
import { holdsFor, waitFor } from '../../../../test/helpers/poll.js';
import { coordinatorConfigSchema } from '../config.js';
import { startCoordinator, type Coordinator } from '../coordinator.js';

const proto = loadProto();
let nats: NatsServer;
let watcher: EventWatcher;
const dirs: string[] = [];
const clients: grpc.Client[] = [];

async function coordinator(id: string): Promise<Coordinator> {
  const dir = mkdtempSync(join(tmpdir(), `vigil-cluster-${id}-`));
  dirs.push(dir);
  const config = coordinatorConfigSchema.parse({
    grpc: '127.0.0.1:0',
    http: '127.0.0.1:0',
    nats: nats.url,
    dataDir: dir,
    id,
    cluster: true,
    clusterTtl: '1500ms',
    disconnectGrace: '300ms',
    restartGrace: '2s',
  });
  return startCoordinator(config, { logger: createLogger(id, process.env.VIGIL_TEST_LOG ?? 'silent') });
}

function agent(c: Coordinator, hostId: string): { call: grpc.ClientDuplexStream<AgentMessageIn, any>; got: any[] } {
  const client = new proto.vigil.v1.AgentService(`127.0.0.1:${c.grpcPort}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  clients.push(client);
  const call = client.Connect();
  const got: any[] = [];
  call.on('data', (m) => got.push(m));
  call.on('error', () => {});
  call.write({ hello: { hostId, agentVersion: '1', hostname: hostId, services: [], capabilities: [], intervalMs: 300, labels: {}, startedAtMs: 1 } });
  const timer = setInterval(() => call.write({ heartbeat: { seq: got.length + 1, sentAtMs: Date.now(), collectors: [] } }), 300);
  call.on('close', () => clearInterval(timer));
  call.on('status', () => clearInterval(timer));
  return { call, got };
}

const silentFor = (host: string) => watcher.events.filter((e) => e.subject === `vigil.v1.host.silent.${host}`);

beforeAll(async () => {
  nats = await NatsServer.start();
  watcher = await EventWatcher.start(nats.url, 'vigil.v1.host.>');
});

afterAll(async () => {
  for (const c of clients) c.close();
  await watcher?.close();
  await nats?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('cluster - two coordinators share one fleet', () => {
  it('hands a host over without an alarm, adopts the hosts of a coordinator that died, and judges only those', async () => {
    const a = await coordinator('coord-a');
    const b = await coordinator('coord-b');
    await waitFor(() => a.cluster!.membership.members().has('coord-b') && b.cluster!.membership.members().has('coord-a'), { timeoutMs: 5000 });

    // A host moves from A to B while both live: A lets go, nobody calls it silent.
    const moverOnA = agent(a, 'mover');
    await waitFor(() => a.cluster!.ownership.owns('mover'), { timeoutMs: 10_000 });
    const moverOnB = agent(b, 'mover');
    await waitFor(() => b.cluster!.ownership.owns('mover') && !a.cluster!.ownership.owns('mover'), { timeoutMs: 10_000, what: 'B to own the mover and A to let go' });
    moverOnA.call.cancel();
    expect(a.registry.isRemote('mover')).toBe(true);

    // Two hosts on A; then A dies without leaving (its membership expires).
    const survivor = agent(a, 'survivor');
    agent(a, 'casualty');
    await waitFor(() => a.cluster!.ownership.owns('survivor') && a.cluster!.ownership.owns('casualty'), { timeoutMs: 10_000 });
    a.cluster!.membership.stop(); // stops refreshing, as a crashed process would
    await a.stop();
    survivor.call.cancel();
    // The survivor's agent fails over to B; the casualty's does not come back.
    agent(b, 'survivor');
    await waitFor(() => b.cluster!.ownership.owns('casualty'), { timeoutMs: 15_000 });
    await waitFor(() => silentFor('casualty').length === 1, { timeoutMs: 6000 });
    await holdsFor(() => silentFor('casualty').length === 1 && silentFor('survivor').length === 0 && silentFor('mover').length === 0, {
      durationMs: 1000,
      what: 'one silent event, for the casualty only',
    });
    expect(b.registry.get('survivor')!.state).toBe('online');

    // An operator removes the dead host: its ownership key goes too, so no coordinator
    // adopts it back later.
    b.registry.remove('casualty', 'test');
    const kv = (b.cluster!.ownership as unknown as { kv: { get(k: string): Promise<{ operation: string } | null> } }).kv;
    await waitFor(async () => {
      const e = await kv.get('casualty');
      return !e || e.operation !== 'PUT';
    }, { timeoutMs: 10_000, what: 'the ownership key of the removed host to be deleted' });
    expect(b.cluster!.ownership.owns('casualty')).toBe(false);
    moverOnB.call.cancel();
    await b.stop();
  });
});
