import { describe, expect, it } from 'vitest';
import { PROBLEM_CLASSES } from '@vigil/shared';
import { LEVEL_ACTION_TABLE, levelActionsFor, type ActionCase } from './level-action-table.js';

const base: ActionCase = { subject: 'host', class: 'service_failure', rootCause: null, service: true, hostHealthy: true };
const level2 = (c: Partial<ActionCase>) => levelActionsFor({ ...base, ...c }, 2);

describe('level action table - which actions apply', () => {
  it('configuration_error: no reboot and no failover at level 2, whatever the class or host', () => {
    for (const cls of PROBLEM_CLASSES) {
      for (const hostHealthy of [true, false]) {
        const { row, actions } = level2({ class: cls, rootCause: 'configuration_error', hostHealthy, service: cls === 'service_failure' || cls === 'partial_failure' });
        if (cls === 'observer_partition') continue;
        expect(row.name).toBe('configuration_error');
        expect(actions).not.toContain('reboot');
        expect(actions).not.toContain('failover');
        expect(actions).toContain('notify_operations');
      }
    }
  });

  it('a full disk is never answered with a reboot', () => {
    expect(level2({ rootCause: 'disk_space_full', hostHealthy: false }).actions).not.toContain('reboot');
    expect(level2({ class: 'server_hardware_issue', service: false, rootCause: 'disk_space_full', hostHealthy: false }).actions).not.toContain('reboot');
  });

  it('a service failing on a healthy host: failover of the service, no reboot of the host', () => {
    for (const cls of ['service_failure', 'partial_failure'] as const) {
      const { row, actions } = level2({ class: cls });
      expect(row.name).toBe('service_on_healthy_host');
      expect(actions).toEqual(['failover', 'notify_operations']);
    }
  });

  it('a service failing on a host that is not healthy, and a host that is down: reboot and failover (runbook level 2)', () => {
    expect(level2({ hostHealthy: false }).actions).toEqual(['reboot', 'failover', 'notify_operations']);
    for (const cls of ['network_issue', 'server_hardware_issue'] as const) {
      expect(level2({ class: cls, service: false, hostHealthy: false }).actions).toEqual(['reboot', 'failover', 'notify_operations']);
    }
  });

  it('an agent gone from a host that answers: notify, do not reboot a serving host', () => {
    expect(level2({ class: 'agent_failure', service: false, hostHealthy: false }).actions).toEqual(['notify_operations']);
  });

  it('zone and observer incidents: nothing to reboot', () => {
    expect(level2({ subject: 'zone', class: 'network_issue', service: false }).actions).toEqual(['notify_operations']);
    expect(level2({ subject: 'observer', class: 'observer_partition', service: false }).actions).toEqual(['notify_operations']);
  });

  it('a root cause the table does not name falls through to its class row', () => {
    expect(level2({ rootCause: 'memory_exhaustion' }).row.name).toBe('service_on_healthy_host');
  });

  it('level 3 pages the emergency team for every row; level 1 never reboots', () => {
    for (const row of LEVEL_ACTION_TABLE) {
      expect(row.levels[3], row.name).toContain('page_emergency');
      expect(row.levels[1], row.name).not.toContain('reboot');
    }
    expect(LEVEL_ACTION_TABLE.at(-1)!.when).toEqual({});
  });
});
