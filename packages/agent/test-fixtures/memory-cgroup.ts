// A real memory cgroup for tests that stage an OOM kill, on a cgroup v2 or v1 host.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryCgroup {
  /** The cgroup's path as /proc/<pid>/cgroup and the kernel log print it. */
  path: string;
  /** Its directory in cgroupfs. */
  dir: string;
  /** The file a process writes its pid to, to join it. */
  procs: string;
  /** Its OOM counter file (v2 memory.events, v1 memory.oom_control). */
  counterFile: string;
  version: 1 | 2;
  /** Removes it; its processes must be gone (retries while the kernel lets go of them). */
  remove(): Promise<void>;
}

/**
 * Makes a child memory cgroup limited to `limitBytes`, or says why it cannot (not root, no
 * memory controller, a container that hides cgroupfs). On a v2 host it sits under the
 * root (where the memory controller can be enabled for children); on a v1 host under this
 * process's own memory cgroup.
 */
export function makeMemoryCgroup(name: string, limitBytes: number, root = '/sys/fs/cgroup'): MemoryCgroup | { unavailable: string } {
  try {
    const self = readFileSync('/proc/self/cgroup', 'utf8');
    const v2 = existsSync(join(root, 'cgroup.controllers')) && readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory');
    if (v2) {
      const sub = readFileSync(join(root, 'cgroup.subtree_control'), 'utf8');
      if (!sub.split(/\s+/).includes('memory')) writeFileSync(join(root, 'cgroup.subtree_control'), '+memory');
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'memory.max'), String(limitBytes));
      writeFileSync(join(dir, 'memory.swap.max'), '0');
      return done(`/${name}`, dir, 2);
    }
    const memLine = self.split('\n').find((l) => l.split(':')[1]?.split(',').includes('memory'));
    if (!memLine) return { unavailable: 'no memory controller in /proc/self/cgroup' };
    const parent = memLine.slice(memLine.indexOf(':', memLine.indexOf(':') + 1) + 1);
    const path = `${parent === '/' ? '' : parent}/${name}`;
    const dir = join(root, 'memory', path);
    mkdirSync(dir);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
    return done(path, dir, 1);
  } catch (err) {
    return { unavailable: (err as Error).message };
  }
}

function done(path: string, dir: string, version: 1 | 2): MemoryCgroup {
  return {
    path,
    dir,
    version,
    procs: join(dir, 'cgroup.procs'),
    counterFile: join(dir, version === 2 ? 'memory.events' : 'memory.oom_control'),
    async remove() {
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(dir);
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          await new Promise((r) => setTimeout(r, 100)); // EBUSY until the killed process is reaped
        }
      }
      rmdirSync(dir);
    },
  };
}
