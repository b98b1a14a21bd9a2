import type { Logger } from '@vigil/shared';
import type { AgentChannels } from '../grpc/agent-channels.js';
import type { IncidentManager, LevelActions } from '../incidents/incident-manager.js';
import type { Incident, Level } from '../incidents/types.js';
import type { HostRegistry } from '../registry/host-registry.js';
import { isHostClass } from './context.js';
import { incidentReads } from './incident-reads.js';
import { LEVEL_ACTION_TABLE, levelActionsFor, type ActionCase, type LevelAction, type LevelActionRow } from './level-action-table.js';
import { subjectKindOf } from './subjects.js';

/**
 * Runbook section 7: what each level does, by the level action table
 * (`level-action-table.ts`): which actions apply depends on the incident's class, its
 * subject, its root cause and whether its host is healthy.
 * 1. automatic recovery: ask the host's agent to recover a declared service (if it is
 *    not already at it), and rely on the diagnosis just run as the basic health check;
 * 2. advanced recovery: publish reboot and failover requests for external automation
 *    where they can help; the level 2 escalation event notifies the operations team;
 * 3. manual intervention: the level 3 escalation event pages the emergency team.
 */
export class RunbookLevelActions implements LevelActions {
  constructor(
    private readonly registry: HostRegistry,
    private readonly channels: AgentChannels,
    private readonly log: Logger,
    private readonly table: readonly LevelActionRow[] = LEVEL_ACTION_TABLE,
  ) {}

  async onLevel(i: Incident, level: Level, m: IncidentManager): Promise<void> {
    const c = this.caseOf(i, m);
    const { row, actions } = levelActionsFor(c, level, this.table);
    if (level === 2 && !actions.includes('reboot')) m.note(i.id, 'action', `level 2: no reboot requested (${row.name}): ${row.why}`, { row: row.name, case: c });
    for (const a of actions) await this.run(a, i, level, m);
  }

  /** The facts the table decides on, as they are when the level is entered. */
  caseOf(i: Incident, m: IncidentManager): ActionCase {
    const host = this.registry.get(i.hostId);
    const hostIncidentOpen = i.service !== '' && incidentReads(m).activeForSubject(i.hostId).some((x) => x.service === '' && isHostClass(x.class));
    return {
      subject: subjectKindOf(i),
      class: i.class,
      rootCause: i.rootCause?.cause ?? null,
      service: i.service !== '',
      hostHealthy: host?.state === 'online' && this.registry.isConnected(i.hostId) && !hostIncidentOpen,
    };
  }

  private async run(a: LevelAction, i: Incident, level: Level, m: IncidentManager): Promise<void> {
    switch (a) {
      case 'health_check':
        return m.note(i.id, 'action', 'level 1: basic health check done by the diagnosis; waiting for the host to come back');
      case 'recover_service':
        return this.recoverService(i, m);
      case 'reboot':
        return m.requestAction(i, 'reboot', `level ${level} advanced recovery for ${i.class}`);
      case 'failover':
        return m.requestAction(i, 'failover', `level ${level}: activate the backup for ${i.hostId}${i.service ? `/${i.service}` : ''}`);
      case 'notify_operations':
        // Only what happened: the event is published; a delivery is recorded from vigil-notify's receipt.
        return m.note(i.id, 'notification', `level ${level} escalation published for the operations team`);
      case 'page_emergency':
        return m.note(i.id, 'notification', `level ${level} escalation published for the emergency team: manual intervention needed`);
    }
  }

  private async recoverService(i: Incident, m: IncidentManager): Promise<void> {
    if (!i.service) {
      m.note(i.id, 'action', 'level 1: basic health check done by the diagnosis; waiting for the host to come back');
      return;
    }
    const host = this.registry.get(i.hostId);
    const declared = host?.services.find((s) => s.name === i.service);
    const status = host?.serviceStatus.find((s) => s.name === i.service);
    if (!declared) return m.note(i.id, 'action', `level 1: ${i.service} is not declared by the agent; no automatic recovery`);
    if (!declared.recoveryEnabled) return m.note(i.id, 'action', `level 1: recovery of ${i.service} is disabled in the agent config`);
    if (status?.exhausted) return m.note(i.id, 'action', `level 1: the agent's restart budget for ${i.service} is spent`);
    if (status?.recovering) return m.note(i.id, 'action', `level 1: the agent is already recovering ${i.service}`);
    if (!this.channels.isAttached(i.hostId)) return m.note(i.id, 'action', 'level 1: the agent is not connected; cannot ask for recovery');
    try {
      const r = await this.channels.recover(i.hostId, i.service, `incident ${i.id} (${i.class})`);
      m.note(i.id, 'action', r.accepted ? `level 1: asked the agent to recover ${i.service}; accepted` : `level 1: the agent refused to recover ${i.service}: ${r.error}`, r);
    } catch (err) {
      this.log.warn({ err, incident: i.id }, 'recover request failed');
      m.note(i.id, 'action', `level 1: recover request failed: ${(err as Error).message}`);
    }
  }
}
