import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostRecord } from '../registry/types.js';
import { openDb } from '../store/db.js';
import { HostStore } from '../store/host-store.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const host = (id: string, over: Partial<HostRecord>): HostRecord => ({
  id, state: 'online', stateSince: 1, hostname: id, agentVersion: '1', os: null, labels: {}, services: [], capabilities: [], intervalMs: 1000,
  address: null, firstSeen: 1, lastSeen: 1, lastSeq: 0, agentStartedAt: 1, latestSample: null, sampleAt: null, serviceStatus: [], ...over,
});

describe('ssh port - kept with the host across a coordinator restart', () => {
  it('the agent\'s sshPort (a port, none, or unset) and its services\' ports come back from the store', () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-sshport-'));
    const db = openDb(dir);
    const store = new HostStore(db);
    store.upsertHello(host('a-1', { sshPort: 2222, services: [{ name: 'web', manager: 'process', recoveryEnabled: true, ports: [8080] }] }));
    store.upsertHello(host('b-1', { sshPort: 'none' }));
    store.upsertHello(host('c-1', {}));
    db.close();

    const again = new HostStore(openDb(dir));
    expect(again.get('a-1')).toMatchObject({ sshPort: 2222, services: [{ name: 'web', ports: [8080] }] });
    expect(again.get('b-1')!.sshPort).toBe('none');
    expect(again.get('c-1')).not.toHaveProperty('sshPort');
    // A later Hello without the setting hands the host back to the fleet default.
    again.upsertHello(host('a-1', {}));
    expect(again.get('a-1')).not.toHaveProperty('sshPort');
  });
});
