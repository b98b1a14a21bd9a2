import { describe, expect, it } from 'vitest';
import type { ValidHeartbeat, ValidHello } from '@vigil/shared';
import { StringPool } from './string-pool.js';

/** A fresh copy of `s`, as a decoder makes one: equal text, another string in the heap. */
const fresh = (s: string): string => Buffer.from(s).toString();

describe('StringPool', () => {
  it('pools a string once and hands the same text back', () => {
    const pool = new StringPool();
    expect(pool.intern(fresh('/var'))).toBe('/var');
    expect(pool.intern(fresh('/var'))).toBe('/var');
    expect(pool.size).toBe(1);
    expect(pool.has('/var')).toBe(true);
  });

  it('stops pooling at its bound and never pools long strings', () => {
    const pool = new StringPool(3, 8);
    for (const s of ['a', 'b', 'c', 'd', 'e']) expect(pool.intern(s)).toBe(s);
    expect(pool.size).toBe(3);
    expect(pool.has('d')).toBe(false);
    const long = 'x'.repeat(9);
    expect(new StringPool(10, 8).intern(long)).toBe(long);
    const p2 = new StringPool(10, 8);
    p2.intern(long);
    expect(p2.size).toBe(0);
  });

  it("pools a Hello's repeated fields and leaves labels alone", () => {
    const pool = new StringPool();
    const hello = {
      hostId: 'web-1',
      hostname: fresh('web-1'),
      agentVersion: '1.2.3',
      os: { platform: 'linux', distro: 'debian', release: '12', kernel: '6.1.0', arch: 'x64' },
      capabilities: ['resources', 'liveness_datagram'],
      services: [{ name: 'nginx', manager: 'systemd', recoveryEnabled: true }],
      labels: { address: '10.0.0.7' },
    } as unknown as ValidHello;
    pool.internHello(hello);
    for (const s of ['1.2.3', 'linux', 'debian', '12', '6.1.0', 'x64', 'resources', 'liveness_datagram', 'nginx', 'systemd']) expect(pool.has(s), s).toBe(true);
    expect(pool.has('10.0.0.7')).toBe(false);
    expect(pool.has('web-1')).toBe(false);
    expect(hello.hostname).toBe('web-1');
    expect(hello.capabilities).toEqual(['resources', 'liveness_datagram']);
  });

  it("pools a heartbeat's names, not its check details", () => {
    const pool = new StringPool();
    const hb = {
      resources: {
        filesystems: [{ mount: '/', device: '/dev/vda1', fsType: 'ext4' }],
        network: [{ name: 'eth0' }],
      },
      services: [{ name: 'api', manager: 'process', checks: [{ name: 'health', type: 'http', detail: 'HTTP 200 in 3 ms' }] }],
    } as unknown as ValidHeartbeat;
    pool.internHeartbeat(hb);
    for (const s of ['/', '/dev/vda1', 'ext4', 'eth0', 'api', 'process', 'health', 'http']) expect(pool.has(s), s).toBe(true);
    expect(pool.has('HTTP 200 in 3 ms')).toBe(false);
    expect(hb.resources!.filesystems[0]!.device).toBe('/dev/vda1');
    // A heartbeat without a sample is fine.
    pool.internHeartbeat({ resources: null, services: [] } as unknown as ValidHeartbeat);
  });
});
