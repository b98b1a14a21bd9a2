import { classesOfScope, type ProblemClass } from '@vigil/shared';
import type { Level } from '../incidents/types.js';
import type { SubjectKind } from './subjects.js';

/**
 * What Vigil does when an incident enters a level (runbook section 7). Level 1's and 3's
 * notes only say what the level means; level 2's `reboot` and `failover` are published as
 * requests on `vigil.v1.action.<action>.<host>` for external automation.
 */
export type LevelAction =
  /** The diagnosis just run is the basic health check of a host. */
  | 'health_check'
  /** Ask the host's agent to run its recovery sequence for the service. */
  | 'recover_service'
  /** Request a reboot of the host. */
  | 'reboot'
  /** Request the backup of the host (or of the service, for a service incident) to take over. */
  | 'failover'
  /** The level's escalation event tells the operations team. */
  | 'notify_operations'
  /** The level's escalation event pages the emergency team. */
  | 'page_emergency';

/** The facts of an incident that decide its actions. */
export interface ActionCase {
  subject: SubjectKind;
  class: ProblemClass;
  /** The root cause found in the logs, if any (`configuration_error`, `disk_space_full`, ...). */
  rootCause: string | null;
  /** An incident about one service (not about the host itself). */
  service: boolean;
  /** The host is online, its agent connected, and no host incident of it is open. */
  hostHealthy: boolean;
}

export interface LevelActionRow {
  name: string;
  /** Why these actions, in an operator's words; recorded on the timeline with them. */
  why: string;
  /** Every given field must match; an absent field matches anything. */
  when: { subjects?: readonly SubjectKind[]; classes?: readonly ProblemClass[]; rootCauses?: readonly string[]; service?: boolean; hostHealthy?: boolean };
  levels: Readonly<Record<Level, readonly LevelAction[]>>;
}

/** The `scope` column of PROBLEM_CLASS_TABLE. */
const SERVICE_CLASSES = classesOfScope('service');

/** The first row that matches decides. */
export const LEVEL_ACTION_TABLE: readonly LevelActionRow[] = Object.freeze([
  {
    name: 'observer_or_zone',
    why: 'the fault is in the network between the coordinator and the hosts: there is no host to reboot',
    when: { subjects: ['observer', 'zone'] },
    levels: { 1: [], 2: ['notify_operations'], 3: ['page_emergency'] },
  },
  {
    name: 'configuration_error',
    why: 'a restart, reboot or failover runs the same configuration again: the file must be fixed by a person',
    when: { rootCauses: ['configuration_error'] },
    levels: { 1: ['recover_service'], 2: ['notify_operations'], 3: ['page_emergency'] },
  },
  {
    name: 'disk_full',
    why: 'a reboot does not free disk space: clean up or extend the disk',
    when: { rootCauses: ['disk_space_full'] },
    levels: { 1: ['recover_service'], 2: ['notify_operations'], 3: ['page_emergency'] },
  },
  {
    name: 'agent_gone',
    why: 'the host answers and serves; only its agent is gone: restart the agent, not the host',
    when: { classes: ['agent_failure'] },
    levels: { 1: ['health_check'], 2: ['notify_operations'], 3: ['page_emergency'] },
  },
  {
    name: 'service_on_healthy_host',
    why: 'one service fails on a healthy host: fail the service over, rebooting the host would take its other services down',
    when: { classes: SERVICE_CLASSES, hostHealthy: true },
    levels: { 1: ['recover_service'], 2: ['failover', 'notify_operations'], 3: ['page_emergency'] },
  },
  {
    name: 'service_on_failing_host',
    why: 'the service fails and its host is not healthy either: runbook level 2, reboot and failover',
    when: { classes: SERVICE_CLASSES },
    levels: { 1: ['recover_service'], 2: ['reboot', 'failover', 'notify_operations'], 3: ['page_emergency'] },
  },
  {
    name: 'host_down',
    why: 'the host is unreachable or not answering SSH: runbook level 2, reboot and failover',
    when: { classes: ['network_issue', 'server_hardware_issue'] },
    levels: { 1: ['health_check'], 2: ['reboot', 'failover', 'notify_operations'], 3: ['page_emergency'] },
  },
  {
    name: 'default',
    why: 'no automatic action is known to help: people decide',
    when: {},
    levels: { 1: [], 2: ['notify_operations'], 3: ['page_emergency'] },
  },
]);

function matches(row: LevelActionRow, c: ActionCase): boolean {
  const w = row.when;
  if (w.subjects && !w.subjects.includes(c.subject)) return false;
  if (w.classes && !w.classes.includes(c.class)) return false;
  if (w.rootCauses && (c.rootCause === null || !w.rootCauses.includes(c.rootCause))) return false;
  if (w.service !== undefined && w.service !== c.service) return false;
  if (w.hostHealthy !== undefined && w.hostHealthy !== c.hostHealthy) return false;
  return true;
}

/** The row that applies to an incident, and the actions of `level` (the last row matches anything). */
export function levelActionsFor(c: ActionCase, level: Level, table: readonly LevelActionRow[] = LEVEL_ACTION_TABLE): { row: LevelActionRow; actions: readonly LevelAction[] } {
  const row = table.find((r) => matches(r, c));
  if (!row) throw new Error(`no level action row matches ${JSON.stringify(c)}`);
  return { row, actions: row.levels[level] };
}
