import type { Systeminformation } from 'systeminformation';
import memory from 'systeminformation/lib/memory.js';
import osinfo from 'systeminformation/lib/osinfo.js';

/**
 * The two parts of systeminformation the agent uses, imported from their own modules:
 * the package's index loads all of its ~30 modules (graphics, docker, bluetooth, ...),
 * which would stay resident in every agent for nothing.
 */
export const si: {
  mem(): Promise<Systeminformation.MemData>;
  osInfo(): Promise<Systeminformation.OsData>;
} = { mem: memory.mem, osInfo: osinfo.osInfo };
