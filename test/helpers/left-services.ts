import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './poll.js';

/**
 * Ends the process services an agent left running, by the process groups its records
 * (`<dataDir>/services/<name>.process.json`) name, when the recorded leader is still that
 * process (same start time): a PID reused since is someone else's. Resolves once they are
 * gone.
 */
export async function stopLeftServices(dataDir: string): Promise<number[]> {
  const stopped = killLeftServices(dataDir);
  await waitFor(() => (stopped.every((pid) => startTimeOf(pid) === undefined) ? true : undefined), { timeoutMs: 5000, intervalMs: 20, what: `left services ${stopped.join(', ')} gone` });
  return stopped;
}

/** The signalling half of `stopLeftServices`, without waiting: for synchronous clean-ups. */
export function killLeftServices(dataDir: string): number[] {
  const dir = join(dataDir, 'services');
  const stopped: number[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.process.json'));
  } catch {
    return stopped;
  }
  for (const f of files) {
    let r: { pid: number; pgid: number; starttime: number };
    try {
      r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as typeof r;
    } catch {
      continue;
    }
    if (startTimeOf(r.pid) !== r.starttime) continue;
    try {
      process.kill(-r.pgid, 'SIGKILL');
      stopped.push(r.pid);
    } catch {
      // gone meanwhile
    }
  }
  return stopped;
}

/** /proc/<pid>/stat field 22, or undefined when the process is gone or a zombie. */
function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}
