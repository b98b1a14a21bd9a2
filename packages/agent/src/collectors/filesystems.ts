import { statfsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { readProcText } from '../proc-text.js';
import type { StatsFs } from 'node:fs';
import { quoteText, systemClock, type Clock } from '@vigil/shared';
import { PartialCollectError, describeError } from '../errors.js';
import type { Collector, FilesystemSample, MonotonicMs } from './types.js';
import { monotonicMs } from './types.js';

export interface MountEntry {
  readonly device: string;
  readonly mount: string;
  readonly fsType: string;
}

/** The statfs fields used; `fs.promises.statfs` returns these as numbers. */
export type StatFs = Pick<StatsFs, 'bsize' | 'blocks' | 'bfree' | 'bavail' | 'files' | 'ffree'>;

/**
 * Kernel interfaces and images rather than storage that can fill up: reporting them
 * would only add rows that never change (or, for squashfs snaps, rows stuck at 100 %).
 * tmpfs is kept on purpose: a full /run or /dev/shm breaks services just like a full
 * disk does. devtmpfs is dropped: it only holds device nodes.
 */
export const PSEUDO_FS_TYPES: ReadonlySet<string> = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs',
  'efivarfs', 'erofs', 'fusectl', 'fuse.gvfsd-fuse', 'fuse.lxcfs', 'fuse.portal', 'hugetlbfs', 'iso9660',
  'mqueue', 'nsfs', 'proc', 'procfs', 'pstore', 'ramfs', 'rpc_pipefs', 'securityfs', 'selinuxfs',
  'squashfs', 'sysfs', 'tracefs',
]);

/**
 * Filesystems whose statfs answers from counters the kernel keeps in memory (no disk read,
 * no server, no user-space daemon), so it cannot hang: these are read on the main thread.
 * Every other type (nfs, cifs, ceph, fuse.*, zfs, ...) goes through the thread pool with a
 * budget, because a dead server can block statfs for minutes and the agent's liveness
 * must not wait for it. A thread-pool round trip per mount per interval was a visible part
 * of an idle agent's CPU (bench/agent-footprint).
 */
export const IN_MEMORY_STATFS_TYPES: ReadonlySet<string> = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'tmpfs', 'overlay', 'vfat', 'f2fs']);

/** Mount points under these hold kernel interfaces (e.g. the tmpfs at /sys/fs/cgroup). */
const PSEUDO_MOUNT_ROOTS = ['/proc', '/sys'];

export async function readMounts(): Promise<string> {
  return readProcText('/proc/self/mounts');
}

/** /proc/self/mounts escapes space, tab, newline and backslash as three octal digits. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses /proc/self/mounts (fstab format: device, mount point, type, options, 0, 0). */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [device, mount, fsType] = line.trim().split(/\s+/);
    if (!device || !mount || !fsType) throw new Error(`/proc/self/mounts: cannot parse ${quoteText(line)}`);
    out.push({ device: unescapeMountField(device), mount: unescapeMountField(mount), fsType });
  }
  return out;
}

export function isPseudoMount(e: MountEntry): boolean {
  if (PSEUDO_FS_TYPES.has(e.fsType)) return true;
  // Container image layers repeat the host's disk; only a container's own root counts.
  if (e.fsType === 'overlay' && e.mount !== '/') return true;
  return PSEUDO_MOUNT_ROOTS.some((root) => e.mount === root || e.mount.startsWith(`${root}/`));
}

/**
 * Real filesystems, one per mount point, in mount order. When a mount point appears twice
 * the later entry is mounted over the earlier one, so the later one is what statfs sees.
 */
export function selectMounts(entries: readonly MountEntry[]): MountEntry[] {
  const byMount = new Map<string, MountEntry>();
  for (const e of entries) {
    if (isPseudoMount(e)) continue;
    byMount.delete(e.mount);
    byMount.set(e.mount, e);
  }
  return [...byMount.values()];
}

/**
 * Sizes as `df` computes them: used counts blocks not free at all, available counts what
 * an unprivileged user may still write (it excludes the root reserve). A filesystem
 * without a fixed inode table reports zero inodes.
 */
export function toFilesystemSample(e: MountEntry, s: StatFs): FilesystemSample {
  const bsize = s.bsize > 0 ? s.bsize : 0;
  const files = s.files > 0 ? s.files : 0;
  return {
    mount: e.mount,
    device: e.device,
    fsType: e.fsType,
    sizeBytes: s.blocks * bsize,
    usedBytes: Math.max(0, s.blocks - s.bfree) * bsize,
    availableBytes: Math.max(0, s.bavail) * bsize,
    inodesTotal: files,
    inodesUsed: files > 0 ? Math.max(0, files - s.ffree) : 0,
  };
}

export interface FilesystemsCollectorDeps {
  readMounts?: () => Promise<string>;
  statfs?: (mount: string) => Promise<StatFs>;
  /** For the IN_MEMORY_STATFS_TYPES. */
  statfsSync?: (mount: string) => StatFs;
  clock?: Clock;
  now?: MonotonicMs;
  /**
   * Budget for one mount's statfs. A dead NFS server can block statfs for minutes; the
   * other mounts must still be reported.
   * @default 1000
   */
  statTimeoutMs?: number;
}

type StatOutcome = { ok: true; value: StatFs } | { ok: false; error: string };

export function createFilesystemsCollector(deps: FilesystemsCollectorDeps = {}): Collector {
  const read = deps.readMounts ?? readMounts;
  const stat = deps.statfs ?? ((mount: string) => statfs(mount));
  const statSync = deps.statfsSync ?? ((mount: string) => statfsSync(mount));
  const clock = deps.clock ?? systemClock;
  const now = deps.now ?? monotonicMs;
  const statTimeoutMs = deps.statTimeoutMs ?? 1000;
  // A statfs stuck in the kernel holds a libuv worker thread; never start a second one
  // for the same mount, or a hung mount would eat the whole thread pool.
  const pending = new Map<string, number>();
  // The mount table rarely changes; parsed again only when its text did.
  let mountsText: string | undefined;
  let mounts: MountEntry[] = [];

  function statOne(mount: string): Promise<StatOutcome> {
    const since = pending.get(mount);
    if (since !== undefined) return Promise.resolve({ ok: false, error: `previous statfs still pending after ${Math.round(now() - since)} ms` });
    pending.set(mount, now());
    const call = stat(mount).finally(() => pending.delete(mount));
    return new Promise<StatOutcome>((resolve) => {
      const timer = clock.setTimeout(() => resolve({ ok: false, error: `statfs timed out after ${statTimeoutMs} ms` }), statTimeoutMs);
      call.then(
        (value) => {
          clock.clearTimeout(timer);
          resolve({ ok: true, value });
        },
        (err: unknown) => {
          clock.clearTimeout(timer);
          resolve({ ok: false, error: describeError(err) });
        },
      );
    });
  }

  function statNow(mount: string): StatOutcome {
    try {
      return { ok: true, value: statSync(mount) };
    } catch (err) {
      return { ok: false, error: describeError(err) };
    }
  }

  return {
    name: 'filesystems',
    async collect() {
      const text = await read();
      if (text !== mountsText) {
        mounts = selectMounts(parseMounts(text));
        mountsText = text;
      }
      const outcomes = await Promise.all(mounts.map((m) => (IN_MEMORY_STATFS_TYPES.has(m.fsType) ? statNow(m.mount) : statOne(m.mount))));
      const filesystems: FilesystemSample[] = [];
      const problems: string[] = [];
      outcomes.forEach((o, i) => {
        const m = mounts[i]!;
        if (!o.ok) problems.push(`${m.mount}: ${o.error}`);
        // A zero-size filesystem (e.g. an empty autofs trigger) has nothing to fill up.
        else if (o.value.blocks > 0) filesystems.push(toFilesystemSample(m, o.value));
      });
      if (problems.length > 0) throw new PartialCollectError(`statfs failed for ${problems.join('; ')}`, { filesystems });
      return { filesystems };
    },
  };
}
