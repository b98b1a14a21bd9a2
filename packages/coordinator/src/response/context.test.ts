import { describe, expect, it } from 'vitest';
import { PROBLEM_CLASS_TABLE, PROBLEM_CLASSES } from '@vigil/shared';
import { HOST_CLASSES, isHostClass, isServiceClass, SERVICE_CLASSES } from './context.js';

describe('response context', () => {
  it('classes - host-level and service classes are the scope column of the class table', () => {
    expect(HOST_CLASSES).toEqual(['network_issue', 'server_hardware_issue', 'agent_failure']);
    expect(SERVICE_CLASSES).toEqual(['service_failure', 'partial_failure']);
    for (const c of PROBLEM_CLASSES) {
      expect(isHostClass(c)).toBe(PROBLEM_CLASS_TABLE[c].scope === 'host');
      expect(isServiceClass(c)).toBe(PROBLEM_CLASS_TABLE[c].scope === 'service');
    }
    expect(isHostClass('observer_partition')).toBe(false);
  });
});
