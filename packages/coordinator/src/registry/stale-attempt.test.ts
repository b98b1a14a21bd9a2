import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, type Logger, type ValidHello } from '@vigil/shared';
import { SilenceDetector } from '../detector/silence-detector.js';
import { AgentEventStore } from '../store/agent-event-store.js';
import { openDb, type Db } from '../store/db.js';
import { HostStore } from '../store/host-store.js';
import { HeartbeatWriter } from './heartbeat-writer.js';
import { HostRegistry } from './host-registry.js';

const log = { info: () => {}, debug: () => {}, error: () => {}, warn: () => {} } as unknown as Logger;
const hello = (attempt: number | undefined, startedAtMs = 1): ValidHello => ({
  hostId: 'web-1', agentVersion: '1', hostname: 'web-1', os: null, services: [], capabilities: [], intervalMs: 1000, labels: {}, startedAtMs,
  ...(attempt === undefined ? {} : { attempt }),
});

/*
 * In a reconnect storm an agent can give up on a stream whose Welcome is late and dial
 * again; the coordinator may read the abandoned stream's Hello only after the new stream
 * is live. Hello.attempt orders them: the older attempt must not take the host.
 */
describe('host registry - a Hello from an attempt its agent already gave up on', () => {
  let dir: string;
  let db: Db;
  let clock: FakeClock;
  let registry: HostRegistry;
  const transitions: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-stale-attempt-'));
    db = openDb(dir);
    clock = new FakeClock();
    const store = new HostStore(db);
    transitions.length = 0;
    registry = new HostRegistry(clock, store, new HeartbeatWriter(db, store), new SilenceDetector(clock, () => {}), (t) => void transitions.push(`${t.to}: ${t.reason}`),
      { disconnectGraceMs: 1000, restartGraceMs: 15_000, detectionWindowMs: (i) => 2 * i }, log, new AgentEventStore(db));
  });
  afterEach(() => {
    registry.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused as stale; the live stream keeps the host, and its late close pages nobody', () => {
    expect(registry.hello(hello(3), 1000, 30)).toMatchObject({ type: 'accepted' });
    registry.liveness('web-1', 30, 0);
    const late = registry.hello(hello(2), 1000, 20);
    expect(late).toEqual({ type: 'stale', message: expect.stringContaining('attempt 2 of an agent process whose attempt 3 holds the stream') });
    expect(registry.isCurrentSession('web-1', 30)).toBe(true);
    // The abandoned stream's close, read right after its Hello.
    registry.streamClosed('web-1', 20, 'agent closed the stream');
    clock.advance(5_000);
    expect(registry.get('web-1')?.state).toBe('online');
    expect(transitions).toEqual(['online: first hello']);
  });

  it('a newer attempt of the same process takes over at once, as before', () => {
    registry.hello(hello(3), 1000, 30);
    expect(registry.hello(hello(4), 1000, 40)).toMatchObject({ type: 'accepted', replaced: 30 });
    expect(registry.isCurrentSession('web-1', 40)).toBe(true);
  });

  it('a restarted agent (another process) counts its attempts from 1 again and takes over', () => {
    registry.hello(hello(7, 1), 1000, 30);
    registry.streamClosed('web-1', 30, 'agent closed the stream');
    expect(registry.hello(hello(1, 2), 1000, 31)).toMatchObject({ type: 'accepted' });
    expect(registry.isCurrentSession('web-1', 31)).toBe(true);
  });

  it('agents that do not number their attempts are taken as before, either way round', () => {
    registry.hello(hello(undefined), 1000, 30);
    expect(registry.hello(hello(2), 1000, 31)).toMatchObject({ type: 'accepted', replaced: 30 });
    expect(registry.hello(hello(undefined), 1000, 32)).toMatchObject({ type: 'accepted', replaced: 31 });
    expect(registry.hello(hello(1), 1000, 33)).toMatchObject({ type: 'accepted', replaced: 32 });
  });

  it('the holder\'s attempt is forgotten with its stream', () => {
    registry.hello(hello(5), 1000, 30);
    registry.streamClosed('web-1', 30, 'agent closed the stream');
    expect(registry.hello(hello(4), 1000, 29)).toMatchObject({ type: 'accepted' });
  });
});
