import { describe, expect, it } from 'vitest';
import type { SampleRound } from './collectors/runner.js';
import { buildHeartbeat } from './heartbeat.js';

const round: SampleRound = {
  sample: { takenAtMs: 5, cpu: null, memory: null, filesystems: [], network: [] },
  statuses: [{ name: 'cpu', ok: true, durationMs: 1, error: '' }],
};

describe('heartbeat', () => {
  it('before the first sample - null resources and no statuses, never a wait', () => {
    expect(buildHeartbeat(1, 100, undefined)).toEqual({ seq: 1, sentAtMs: 100, resources: null, collectors: [] });
  });

  it('extras - lists from several plugins are joined; core fields are not overwritten', () => {
    const hb = buildHeartbeat(7, 100, round, [
      { findings: [{ cause: 'oom', service: 'db' }], collectors: [{ name: 'svc', ok: true, durationMs: 2, error: '' }] },
      { findings: [{ cause: 'disk_full', service: 'web' }], resources: null },
      { seq: 99, sentAtMs: 1 } as never,
    ]);
    expect(hb.seq).toBe(7);
    expect(hb.sentAtMs).toBe(100);
    expect(hb.resources).toBe(round.sample);
    expect(hb.collectors!.map((c) => c.name)).toEqual(['cpu', 'svc']);
    expect(hb.findings!.map((f) => f.cause)).toEqual(['oom', 'disk_full']);
  });
});
