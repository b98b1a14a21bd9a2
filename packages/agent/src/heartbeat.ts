import type { Heartbeat } from '@vigil/shared';
import type { SampleRound } from './collectors/runner.js';
import type { HeartbeatExtras } from './plugin.js';

/**
 * Builds one heartbeat from the latest sample round plus plugin extras. Before the first
 * round is in, `resources` is null and `collectors` empty: a heartbeat never waits for a
 * collector.
 */
export function buildHeartbeat(seq: number, sentAtMs: number, round: SampleRound | undefined, extras: readonly HeartbeatExtras[] = []): Heartbeat {
  const hb: Record<string, unknown> = {
    resources: round?.sample ?? null,
    collectors: round ? [...round.statuses] : [],
  };
  for (const extra of extras) {
    for (const [key, value] of Object.entries(extra)) {
      if (value === undefined || key === 'seq' || key === 'sentAtMs') continue;
      const have = hb[key];
      if (Array.isArray(value)) hb[key] = Array.isArray(have) ? [...have, ...value] : [...value];
      else if (have === undefined || have === null) hb[key] = value;
    }
  }
  return { ...hb, seq, sentAtMs } as Heartbeat;
}
