import { hostTotalMemory } from '../host-memory.js';
import { readProcStatm, readSysconf } from '../services/procfs-read.js';

/**
 * Resident memory of a service's own processes (sum of /proc/<pid>/statm resident pages),
 * and its share of the service's memory limit, or of the host's memory without one.
 */
export async function serviceMemory(pids: readonly number[], limitBytes: number | undefined): Promise<{ bytes: number; percent: number }> {
  const { pageSize } = await readSysconf();
  let pages = 0;
  for (const pid of pids) {
    const statm = await readProcStatm(pid).catch(() => undefined);
    if (statm) pages += statm.residentPages;
  }
  const bytes = pages * pageSize;
  const of = limitBytes ?? hostTotalMemory();
  return { bytes, percent: of > 0 ? Math.min(100, (bytes / of) * 100) : 0 };
}
