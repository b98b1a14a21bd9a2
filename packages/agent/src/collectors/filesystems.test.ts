import { readFileSync } from 'node:fs';
import { FakeClock } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { PartialCollectError } from '../errors.js';
import { createFilesystemsCollector, parseMounts, selectMounts, toFilesystemSample, type StatFs } from './filesystems.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const mounts = fixture('mounts.txt');
const statRoot = JSON.parse(fixture('statfs-root.json')) as StatFs;
const statShm = JSON.parse(fixture('statfs-dev-shm.json')) as StatFs;

describe('filesystems collector', () => {
  it('parseMounts - reads device, mount point and type of every line', () => {
    const entries = parseMounts(mounts);
    expect(entries).toHaveLength(19);
    expect(entries[5]).toEqual({ device: '/dev/vda', mount: '/', fsType: 'ext4' });
  });

  it('parseMounts - decodes octal escapes in paths', () => {
    expect(parseMounts('/dev/sdb1 /mnt/my\\040disk\\134x ext4 rw 0 0\n')).toEqual([{ device: '/dev/sdb1', mount: '/mnt/my disk\\x', fsType: 'ext4' }]);
  });

  it('selectMounts - drops pseudo filesystems, keeps tmpfs, one entry per mount point', () => {
    expect(selectMounts(parseMounts(mounts))).toEqual([
      { device: '/dev/vda', mount: '/', fsType: 'ext4' },
      { device: 'tmpfs', mount: '/dev/shm', fsType: 'tmpfs' },
    ]);
  });

  it('selectMounts - keeps overlay only as a container root', () => {
    const text = 'overlay / overlay rw 0 0\noverlay /var/lib/docker/overlay2/x/merged overlay rw 0 0\nsquashfs /snap/core/1 squashfs ro 0 0\n';
    expect(selectMounts(parseMounts(text)).map((e) => e.mount)).toEqual(['/']);
  });

  it('toFilesystemSample - sizes like df, inodes from the captured statfs', () => {
    expect(toFilesystemSample({ device: '/dev/vda', mount: '/', fsType: 'ext4' }, statRoot)).toEqual({
      mount: '/',
      device: '/dev/vda',
      fsType: 'ext4',
      sizeBytes: 66053021 * 4096,
      usedBytes: (66053021 - 60218499) * 4096,
      availableBytes: 20763206 * 4096,
      inodesTotal: 16777216,
      inodesUsed: 16777216 - 16359152,
    });
  });

  it('toFilesystemSample - a filesystem without an inode table reports 0 inodes', () => {
    const s = toFilesystemSample({ device: 'pool', mount: '/data', fsType: 'btrfs' }, { ...statRoot, files: 0, ffree: 0 });
    expect([s.inodesTotal, s.inodesUsed]).toEqual([0, 0]);
  });

  it('collector - a hung mount is reported while the others still go out, and is not statted twice', async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const c = createFilesystemsCollector({
      readMounts: async () => `${mounts}nfs:/export /mnt/nfs nfs4 rw 0 0\n`,
      statfs: (mount) => {
        calls.push(mount);
        if (mount === '/mnt/nfs') return new Promise<StatFs>(() => {});
        return Promise.resolve(mount === '/' ? statRoot : statShm);
      },
      statfsSync: (mount) => (mount === '/' ? statRoot : statShm),
      clock,
      now: () => clock.now(),
      statTimeoutMs: 1000,
    });

    const first = c.collect();
    await flush();
    clock.advance(1000);
    const err = (await first.catch((e: unknown) => e)) as PartialCollectError<{ filesystems: { mount: string }[] }>;
    expect(err).toBeInstanceOf(PartialCollectError);
    expect(err.message).toMatch(/\/mnt\/nfs: statfs timed out after 1000 ms/);
    expect(err.partial.filesystems.map((f) => f.mount)).toEqual(['/', '/dev/shm']);

    const second = await c.collect().catch((e: unknown) => e as Error);
    expect((second as Error).message).toMatch(/\/mnt\/nfs: previous statfs still pending/);
    expect(calls.filter((m) => m === '/mnt/nfs')).toHaveLength(1);
  });

  it('collector - filesystems whose statfs cannot hang are read at once, the others through the thread pool; a failure names the mount', async () => {
    const pooled: string[] = [];
    const direct: string[] = [];
    const c = createFilesystemsCollector({
      readMounts: async () => `/dev/sda1 / ext4 rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\nsrv:/export /mnt/nfs nfs4 rw 0 0\nsshfs#me@h: /mnt/s fuse.sshfs rw 0 0\n/dev/sdb1 /data xfs rw 0 0\n`,
      statfs: async (mount) => (pooled.push(mount), statShm),
      statfsSync: (mount) => {
        direct.push(mount);
        if (mount === '/data') throw Object.assign(new Error('EIO: i/o error, statfs'), { code: 'EIO' });
        return statRoot;
      },
    });
    const err = (await c.collect().catch((e: unknown) => e)) as PartialCollectError<{ filesystems: { mount: string }[] }>;
    expect(direct).toEqual(['/', '/dev/shm', '/data']);
    expect(pooled).toEqual(['/mnt/nfs', '/mnt/s']);
    expect(err.message).toMatch(/\/data: .*EIO/);
    expect(err.partial.filesystems.map((f) => f.mount)).toEqual(['/', '/dev/shm', '/mnt/nfs', '/mnt/s']);
  });

  it('collector - the mount table is read every time and follows a mount and an unmount at once', async () => {
    let table = `/dev/sda1 / ext4 rw 0 0\n`;
    const c = createFilesystemsCollector({ readMounts: async () => table, statfsSync: () => statRoot });
    const mounts = async () => ((await c.collect()) as { filesystems: { mount: string; device: string }[] }).filesystems.map((f) => `${f.device} ${f.mount}`);
    expect(await mounts()).toEqual(['/dev/sda1 /']);
    expect(await mounts()).toEqual(['/dev/sda1 /']);
    table += `/dev/sdb1 /data xfs rw 0 0\n`;
    expect(await mounts()).toEqual(['/dev/sda1 /', '/dev/sdb1 /data']);
    // The same mount point, another device (remounted): the new device is reported.
    table = `/dev/sda1 / ext4 rw 0 0\n/dev/sdc1 /data xfs rw 0 0\n`;
    expect(await mounts()).toEqual(['/dev/sda1 /', '/dev/sdc1 /data']);
    table = `/dev/sda1 / ext4 rw 0 0\n`;
    expect(await mounts()).toEqual(['/dev/sda1 /']);
  });

  it('collector - reads this machine: the root filesystem has a size', async () => {
    const { filesystems } = await createFilesystemsCollector().collect();
    const root = filesystems!.find((f) => f.mount === '/');
    expect(root?.sizeBytes).toBeGreaterThan(0);
  });
});

/** Lets pending promise callbacks run, so timers set after an await are registered. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
