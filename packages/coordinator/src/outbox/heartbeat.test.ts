import { describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { startCoordinatorHeartbeat } from './heartbeat.js';

describe('coordinator heartbeat', () => {
  it('publishes on vigil.v1.coordinator.heartbeat.<id> every interval while connected, drops beats while not, stops', () => {
    const clock = new FakeClock(Date.parse('2026-12-03T08:00:00Z'));
    let connected = true;
    const sent: { subject: string; data: unknown }[] = [];
    const hb = startCoordinatorHeartbeat(
      { publishNow: (subject, payload) => (connected ? (sent.push({ subject, data: (JSON.parse(payload) as { data: unknown }).data }), true) : false) },
      clock,
      { coordinatorId: 'coord.eu-1', source: 'vigil-coordinator/coord.eu-1', intervalMs: 10_000 },
    );
    expect(sent).toEqual([{ subject: 'vigil.v1.coordinator.heartbeat.coord_eu-1', data: { coordinatorId: 'coord.eu-1', intervalMs: 10_000 } }]);
    clock.advance(30_000);
    expect(sent).toHaveLength(4);
    connected = false;
    clock.advance(20_000);
    expect(sent).toHaveLength(4); // not queued: a late heartbeat would say the wrong thing
    connected = true;
    clock.advance(10_000);
    expect(sent).toHaveLength(5);
    hb.stop();
    clock.advance(60_000);
    expect(sent).toHaveLength(5);
  });
});
