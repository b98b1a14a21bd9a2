import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RecoveryEventType } from './events.js';

/** Every event type the watcher can emit; a new one fails to compile here until listed. */
const TYPES: Record<RecoveryEventType, true> = {
  status_changed: true,
  check_failed: true,
  check_passed: true,
  recovery_started: true,
  step_started: true,
  step_succeeded: true,
  step_failed: true,
  recovery_succeeded: true,
  recovery_failed: true,
  recovery_exhausted: true,
  recovery_skipped: true,
  monitoring_started: true,
  monitoring_ended: true,
  recurrence: true,
  budget_reset: true,
  service_adopted: true,
};

describe('AgentEvent.type in the contract', () => {
  it('lists exactly the types the agent emits (no type that does not exist, none missing)', () => {
    const proto = readFileSync(new URL('../../../../proto/vigil/v1/services.proto', import.meta.url), 'utf8');
    const comment = proto.slice(proto.indexOf('uint64 event_seq = 1;'), proto.indexOf('string type = 4;'));
    const listed = comment
      .split('\n')
      .filter((l) => l.trim().startsWith('//') && l.includes('|'))
      .join(' ')
      .replace(/\(.*?\)/g, '')
      .split(/[|\s/]+/)
      .filter((w) => /^[a-z]+(_[a-z]+)+$|^recurrence$/.test(w));
    expect(listed.sort()).toEqual(Object.keys(TYPES).sort());
  });
});
