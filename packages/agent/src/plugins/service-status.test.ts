import { MAX_REPORTED_PIDS, serviceStatusSchema } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import type { ServiceSnapshot } from '../recovery/watcher.js';
import { serviceStatusToWire } from './service-status.js';

describe('serviceStatusToWire', () => {
  it('lists at most MAX_REPORTED_PIDS pids, so a service with thousands of children does not get its heartbeats refused', () => {
    const snapshot: ServiceSnapshot = {
      service: 'worker',
      phase: 'watching',
      manager: 'process',
      state: 'running',
      pids: Array.from({ length: 5_000 }, (_, i) => 10_000 + i),
      recoveryEnabled: true,
      recovering: false,
      budget: { used: 0, max: 3, windowMs: 3_600_000, exhausted: false },
      checks: [],
      monitoring: null,
    };
    const wire = serviceStatusToWire(snapshot, null)!;
    expect(wire.pids).toHaveLength(MAX_REPORTED_PIDS);
    expect(wire.pids[0]).toBe(10_000);
    const parsed = serviceStatusSchema.safeParse(wire);
    expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
  });
});
