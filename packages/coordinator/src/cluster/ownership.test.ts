import { connect, type KV, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, FakeClock } from '@vigil/shared';
import { NatsServer } from '../../../../test/helpers/nats-server.js';
import { holdsFor, waitFor } from '../../../../test/helpers/poll.js';
import { HostOwnership, type ClaimInfo, type Ownership } from './ownership.js';

let nats: NatsServer;
let nc: NatsConnection;
let bucket = 0;
const stops: (() => void)[] = [];
const log = createLogger('ownership-test', process.env.VIGIL_TEST_LOG ?? 'silent');

beforeAll(async () => {
  nats = await NatsServer.start();
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  for (const s of stops) s();
  await nc?.close();
  await nats?.dispose();
});

const freshBucket = async (): Promise<KV> => nc.jetstream().views.kv(`hosts-${++bucket}`, { history: 1 });

/** A KV whose writes wait for `open()` while gated: a claim whose write is slow. */
function gatedKv(kv: KV): { kv: KV; gate(): void; open(): void; writesWaiting(): number } {
  let gate: Promise<void> | undefined;
  let release = (): void => {};
  let waiting = 0;
  const held =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (gate) {
        waiting++;
        await gate;
        waiting--;
      }
      return fn(...a);
    };
  const proxy = new Proxy(kv, {
    get(target, prop, receiver) {
      if (prop === 'create') return held(target.create.bind(target));
      if (prop === 'update') return held(target.update.bind(target));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return {
    kv: proxy,
    gate: () => (gate = new Promise((r) => (release = r))),
    open: () => {
      gate = undefined;
      release();
    },
    writesWaiting: () => waiting,
  };
}

async function member(kv: KV, id: string, clock: FakeClock, alive: (id: string) => boolean = () => true) {
  const released: [string, string][] = [];
  const adopted: string[] = [];
  const o = new HostOwnership(kv, { selfId: id, isAlive: (x) => x === id || alive(x) }, { released: (h, by) => released.push([h, by]), adopted: (h) => adopted.push(h) }, clock, log, {
    adoptEveryMs: 60_000,
  });
  await o.start();
  stops.push(() => o.stop());
  return { o, released, adopted };
}

const info = (over: Partial<ClaimInfo> = {}): ClaimInfo => ({ intervalMs: 5000, hostname: 'h1', labels: {}, agentStartedAt: 1_000, attempt: 1, ...over });
const ownerOf = async (kv: KV, host: string): Promise<Ownership | null> => {
  const e = await kv.get(host);
  return e && e.operation === 'PUT' ? e.json<Ownership>() : null;
};

/** Two coordinators on one bucket; A's writes wait while its gate is shut. */
async function aSlowAndB() {
  const kv = await freshBucket();
  const clock = new FakeClock();
  const slow = gatedKv(kv);
  const a = await member(slow.kv, 'coord-a', clock);
  const b = await member(kv, 'coord-b', clock);
  return { kv, clock, slow, a, b };
}

describe('HostOwnership - one owner per host across coordinators', () => {
  it("does not take a host back with a slow claim of the agent's older stream", async () => {
    const { kv, clock, slow, a, b } = await aSlowAndB();

    // A's claim reads the empty key, then its write stalls; meanwhile the agent moves to B.
    slow.gate();
    const aClaim = a.o.claim('h1', info({ attempt: 1 }));
    await waitFor(() => slow.writesWaiting() === 1, { timeoutMs: 10_000, what: "A's write to be held" });
    clock.advance(10);
    await b.o.claim('h1', info({ attempt: 2 }));
    expect((await ownerOf(kv, 'h1'))?.owner).toBe('coord-b');

    // A's create now fails (the key exists); on its retry it must see B's newer claim and yield.
    slow.open();
    await aClaim;
    await waitFor(() => !a.o.owns('h1'), { timeoutMs: 10_000, what: 'A to let go of h1' });
    expect(a.released).toEqual([['h1', 'coord-b']]);
    await holdsFor(async () => b.o.owns('h1') && (await ownerOf(kv, 'h1'))?.owner === 'coord-b', { durationMs: 500, what: 'B to keep h1' });
    expect(b.released).toEqual([]);
  });

  it('lets a later Hello of the agent win even when its claim is the first to be written', async () => {
    const { kv, slow, a, b } = await aSlowAndB();

    // B holds the agent's first stream, but its write is slow; A has the second one (attempt 2)
    // and writes first. B's stale write would otherwise take the host from A.
    slow.gate();
    const aClaim = a.o.claim('h1', info({ attempt: 2 }));
    await waitFor(() => slow.writesWaiting() === 1, { timeoutMs: 10_000, what: "A's write to be held" });
    await b.o.claim('h1', info({ attempt: 1 }));
    slow.open();
    await aClaim;
    await waitFor(async () => (await ownerOf(kv, 'h1'))?.owner === 'coord-a' && a.o.owns('h1') && !b.o.owns('h1'), {
      timeoutMs: 10_000,
      what: 'the key to name A, the holder of the newer stream, and B to let go',
    });
    expect(b.released).toEqual([['h1', 'coord-a']]);
    expect(a.released).toEqual([]);
  });

  it('takes a host back from a survivor that adopted it while its owner was alive and held the stream', async () => {
    const kv = await freshBucket();
    const clock = new FakeClock();
    const a = await member(kv, 'coord-a', clock);
    // B has lost sight of A (its membership key expired in a pause), so it adopts A's hosts.
    const b = await member(kv, 'coord-b', clock, () => false);
    await a.o.claim('h1', info());
    clock.advance(10);
    expect(await b.o.adoptOrphans()).toBe(1);
    expect(b.adopted).toEqual(['h1']);

    // A's stream for h1 is live: its Hello outranks the adoption, so A writes its claim again and B lets go.
    await waitFor(async () => (await ownerOf(kv, 'h1'))?.owner === 'coord-a' && !b.o.owns('h1'), {
      timeoutMs: 10_000,
      what: 'the key to name A again and B to let go',
    });
    expect(a.o.owns('h1')).toBe(true);
    expect(b.released).toEqual([['h1', 'coord-a']]);
    expect(a.released).toEqual([]);
  });

  it("hands an adopted host to the coordinator its agent says Hello to next, and skips a record it cannot read", async () => {
    const kv = await freshBucket();
    const clock = new FakeClock();
    await kv.put('h1', JSON.stringify({ owner: 'coord-dead', since: clock.now(), via: 'hello', intervalMs: 5000, hostname: 'h1', labels: {}, agentStartedAt: 1_000, attempt: 1 }));
    await kv.put('junk', 'not json');
    const b = await member(kv, 'coord-b', clock, () => false);
    const c = await member(kv, 'coord-c', clock);
    expect(await b.o.adoptOrphans()).toBe(1);
    expect((await ownerOf(kv, 'h1'))?.via).toBe('adoption');

    // Same agent process, next attempt, at C: C's Hello supersedes B's adoption.
    clock.advance(10);
    await c.o.claim('h1', info({ attempt: 2 }));
    await waitFor(() => !b.o.owns('h1'), { timeoutMs: 10_000, what: 'B to let go of the adopted host' });
    expect(b.released).toEqual([['h1', 'coord-c']]);
    expect((await ownerOf(kv, 'h1'))?.owner).toBe('coord-c');
    expect(c.o.owns('h1')).toBe(true);
  });
});
