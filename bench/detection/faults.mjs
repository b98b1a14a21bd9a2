// The faults both sides take, applied to the one process that stands for the host (the
// agent, or node_exporter): a kill, a freeze, or nothing here for a cut (the caller takes
// the host's link down once for both).
import { waitFor } from '@vigil/testkit';

/** Each fault: its name in the tables, how it is applied to the process, and how it is undone (`restart` starts a killed one again). */
const TABLE = {
  kill: { label: 'kill -9', apply: (proc) => proc.signal('SIGKILL'), restore: async (proc, restart) => (await proc.exited, restart()) },
  freeze: { label: 'SIGSTOP (frozen host)', apply: (proc) => proc.signal('SIGSTOP'), restore: (proc) => proc.signal('SIGCONT') },
  cut: { label: 'cut link (no FIN/RST)', apply: () => undefined, restore: () => undefined },
};

export const FAULTS = Object.keys(TABLE);

function faultOf(kind) {
  const f = TABLE[kind];
  if (!f) throw new Error(`fault "${kind}": use ${FAULTS.join(', ')}`);
  return f;
}

export function faultLabel(kind) {
  return faultOf(kind).label;
}

/** Applies `kind` to `proc`; the caller has taken the time just before. */
export function applyFault(proc, kind) {
  return faultOf(kind).apply(proc);
}

/** Undoes `kind`: a killed process is started again by `restart` once it has exited. */
export function restoreFault(proc, kind, restart) {
  return faultOf(kind).restore(proc, restart);
}

/** ms from `t0` to the first of `list` at or after it that `match` accepts, or null when none came within `timeoutMs`. */
export async function firstAfter(list, t0, match, timeoutMs, what) {
  try {
    const x = await waitFor(() => list.find((e) => e.at >= t0 && match(e)), { timeoutMs, intervalMs: 20, what });
    return x.at - t0;
  } catch {
    return null;
  }
}
