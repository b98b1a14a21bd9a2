import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { openDb, type Db } from '../store/db.js';
import type { HostStore } from '../store/host-store.js';
import { StoreWriteGuard } from '../store/write-guard.js';
import { guardedRegistry } from '../test-support/guarded-registry.js';
import { captureLog } from '../test-support/log-capture.js';
import { fillStore, freeStore } from '../test-support/full-store.js';
import type { HostRegistry } from './host-registry.js';

let dir: string;
let db: Db;
let clock: FakeClock;
let hostStore: HostStore;
let guard: StoreWriteGuard;
let registry: HostRegistry;
let close: () => void;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-hello-rows-'));
  db = openDb(dir);
  clock = new FakeClock(Date.parse('2026-12-04T08:00:00Z'));
  const { log } = captureLog('warn');
  guard = new StoreWriteGuard(clock, log);
  ({ registry, hostStore, close } = guardedRegistry(db, clock, guard, log));
});

afterEach(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

let sessions = 0;
function hello(hostId: string, hostname = hostId, labels: Record<string, string> = {}) {
  return registry.hello({ hostId, agentVersion: '1', hostname, os: null, services: [], capabilities: [], intervalMs: 1000, labels, startedAtMs: 1 }, 1000, ++sessions);
}
const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('registry - the rows of known hosts rewritten by their Hellos', () => {
  it('writes a new host at once, and the Hellos of known hosts read in one loop turn in one commit', async () => {
    const commits = vi.spyOn(hostStore, 'saveSnapshots');
    for (const id of ['a', 'b', 'c']) hello(id);
    // New hosts: written with their Hello, before their first transition.
    expect(hostStore.all().map((h) => h.hostname)).toEqual(['a', 'b', 'c']);
    expect(commits).not.toHaveBeenCalled();

    for (const id of ['a', 'b', 'c']) expect(hello(id, `${id}.renamed`)).toMatchObject({ type: 'accepted' });
    // Memory has the Hellos at once; the store, at the end of the turn, in one commit.
    expect(registry.get('b')!.hostname).toBe('b.renamed');
    expect(hostStore.get('b')!.hostname).toBe('b');
    await endOfTurn();
    expect(commits).toHaveBeenCalledTimes(1);
    expect(commits.mock.calls[0]![0].map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(hostStore.all().map((h) => h.hostname)).toEqual(['a.renamed', 'b.renamed', 'c.renamed']);
  });

  it('does not write back a host removed before the turn ended', async () => {
    hello('gone');
    registry.goodbye('gone', sessions, 'decommissioned');
    hello('gone', 'gone.again');
    registry.goodbye('gone', sessions, 'decommissioned');
    registry.remove('gone', 'alice');
    await endOfTurn();
    expect(hostStore.get('gone')).toBeUndefined();
  });

  it('keeps them for catch-up while the store is full, and writes them when it takes writes again', async () => {
    hello('web-1');
    fillStore(db);
    hello('web-1', 'web-1.renamed', { note: 'x'.repeat(6000) });
    await endOfTurn();
    expect(guard.pendingCount()).toBe(1);
    expect(hostStore.get('web-1')!.hostname).toBe('web-1');
    freeStore(db);
    clock.advance(5000);
    expect(guard.pendingCount()).toBe(0);
    expect(hostStore.get('web-1')).toMatchObject({ hostname: 'web-1.renamed', labels: { note: 'x'.repeat(6000) } });
  });

  it('writes what waits at once on a planned stop', () => {
    hello('db-1');
    hello('db-1', 'db-1.renamed');
    registry.storeHeldHeartbeats();
    expect(hostStore.get('db-1')!.hostname).toBe('db-1.renamed');
  });
});

describe('registry - a Hello that says nothing new about the agent', () => {
  const full = (over: Partial<Parameters<HostRegistry['hello']>[0]> = {}) =>
    registry.hello(
      {
        hostId: 'web-1',
        agentVersion: '1.2.0',
        hostname: 'web-1',
        os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64' },
        services: [{ name: 'nginx', manager: 'systemd', recoveryEnabled: true, ports: [80, 443] }],
        capabilities: ['events'],
        intervalMs: 1000,
        labels: { zone: 'a', role: 'web' },
        startedAtMs: 7,
        sshPort: 2222,
        ...over,
      },
      1000,
      ++sessions,
    );

  it('is not rewritten; any changed field is', async () => {
    const commits = vi.spyOn(hostStore, 'saveSnapshots');
    full();
    // The same agent again, its labels in another order: nothing to write.
    expect(full({ labels: { role: 'web', zone: 'a' } })).toMatchObject({ type: 'accepted' });
    await endOfTurn();
    expect(commits).not.toHaveBeenCalled();
    const changes: Partial<Parameters<HostRegistry['hello']>[0]>[] = [
      { agentVersion: '1.3.0' },
      { hostname: 'web-1.example' },
      { os: { platform: 'linux', distro: 'Debian', release: '13', kernel: '6.12', arch: 'x64' } },
      { os: null },
      { services: [{ name: 'nginx', manager: 'systemd', recoveryEnabled: false, ports: [80, 443] }] },
      { services: [{ name: 'nginx', manager: 'systemd', recoveryEnabled: false, ports: [80] }] },
      { services: [{ name: 'nginx', manager: 'systemd', recoveryEnabled: false }] },
      { services: [] },
      { capabilities: ['events', 'liveness_datagram'] },
      { labels: { zone: 'b', role: 'web' } },
      { labels: { zone: 'b' } },
      { labels: { zone: 'b', address: '10.0.0.9' } },
      { startedAtMs: 8 },
      { sshPort: 0 },
      { sshPort: undefined },
    ];
    for (const change of changes) {
      // The previous stream ends first: a Hello from another agent process is refused while it lives.
      registry.streamClosed('web-1', sessions, 'agent restarted');
      commits.mockClear();
      expect(full(change)).toMatchObject({ type: 'accepted' });
      await endOfTurn();
      expect(commits, JSON.stringify(change)).toHaveBeenCalledTimes(1);
    }
    expect(hostStore.get('web-1')!.sshPort).toBeUndefined();
    // The row holds the last Hello (each is the first one with one change); an address once
    // learned stays until another is.
    expect(hostStore.get('web-1')).toMatchObject({ agentStartedAt: 7, labels: { zone: 'a', role: 'web' }, address: '10.0.0.9' });
  });

  it('still has its first heartbeat stored, with when the host was last seen', async () => {
    full();
    clock.advance(60_000);
    full();
    await endOfTurn();
    expect(hostStore.get('web-1')!.lastSeen).toBe(clock.now() - 60_000);
    const stored = await new Promise<boolean | undefined>((resolve, reject) =>
      registry.heartbeat('web-1', sessions, { seq: 1, sentAtMs: clock.now(), collectors: [], services: [], findings: [] } as never, (err, s) => (err ? reject(err) : resolve(s))),
    );
    expect(stored).toBe(true);
    expect(hostStore.get('web-1')!.lastSeen).toBe(clock.now());
  });
});

describe('registry - the fleet reconnecting after a restart', () => {
  it('rewrites no row for Hellos that say what the store already has', async () => {
    const sent = (i: number) => ({
      hostId: `sim-${i}`,
      agentVersion: '0.1.0',
      hostname: `sim-${i}`,
      os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64' },
      services: [
        { name: 'nginx', manager: 'systemd', recoveryEnabled: true, ports: [80, 443] },
        { name: 'cron', manager: 'process', recoveryEnabled: false },
      ],
      capabilities: ['liveness_datagram', 'events'],
      intervalMs: 5000,
      labels: { zone: 'a' },
      startedAtMs: 1_764_921_600_123.5,
      ...(i % 2 === 0 ? { sshPort: i % 4 === 0 ? 0 : 2222 } : {}),
    });
    for (let i = 0; i < 8; i++) registry.hello(sent(i), 5000, ++sessions, '127.0.0.1');
    await endOfTurn();
    close();

    // The same data dir, a new coordinator: hosts come from the store.
    db = openDb(dir);
    const { log } = captureLog('warn');
    guard = new StoreWriteGuard(clock, log);
    ({ registry, hostStore, close } = guardedRegistry(db, clock, guard, log));
    registry.load();
    const commits = vi.spyOn(hostStore, 'saveSnapshots');
    const rows = [vi.spyOn(hostStore, 'upsertHello'), vi.spyOn(hostStore, 'saveSnapshot')];
    for (let i = 0; i < 8; i++) expect(registry.hello(sent(i), 5000, ++sessions, '127.0.0.1')).toMatchObject({ type: 'accepted' });
    await endOfTurn();
    expect(commits).not.toHaveBeenCalled();
    for (const row of rows) expect(row).not.toHaveBeenCalled();
  });
});
