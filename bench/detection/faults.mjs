// The faults both sides take, applied to the one process that stands for the host (the
// agent, or node_exporter): a kill, a freeze, or nothing here for a cut (the caller takes
// the host's link down once for both).

export const FAULTS = ['kill', 'freeze', 'cut'];

/** Applies `kind` to `proc`; the caller has taken the time just before. */
export function applyFault(proc, kind) {
  switch (kind) {
    case 'kill':
      return proc.signal('SIGKILL');
    case 'freeze':
      return proc.signal('SIGSTOP');
    case 'cut':
      return undefined;
    default:
      throw new Error(`fault "${kind}": use ${FAULTS.join(', ')}`);
  }
}

/** Undoes `kind`: a killed process is started again by `restart` once it has exited. */
export async function restoreFault(proc, kind, restart) {
  switch (kind) {
    case 'kill':
      await proc.exited;
      return restart();
    case 'freeze':
      return proc.signal('SIGCONT');
    case 'cut':
      return undefined;
    default:
      throw new Error(`fault "${kind}": use ${FAULTS.join(', ')}`);
  }
}
