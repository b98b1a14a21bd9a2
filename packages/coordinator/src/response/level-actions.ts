import type { Logger } from '@vigil/shared';
import type { AgentChannels } from '../grpc/agent-channels.js';
import type { IncidentManager, LevelActions } from '../incidents/incident-manager.js';
import type { Incident, Level } from '../incidents/types.js';
import type { HostRegistry } from '../registry/host-registry.js';
import { subjectKind } from './subjects.js';

/**
 * Runbook section 7: what each level does.
 * 1. automatic recovery: ask the host's agent to recover a declared service (if it is
 *    not already at it), and rely on the diagnosis just run as the basic health check;
 * 2. advanced recovery: publish reboot and failover requests for external automation;
 *    the level 2 escalation event notifies the operations team;
 * 3. manual intervention: the level 3 escalation event pages the emergency team.
 */
export class RunbookLevelActions implements LevelActions {
  constructor(
    private readonly registry: HostRegistry,
    private readonly channels: AgentChannels,
    private readonly log: Logger,
  ) {}

  async onLevel(i: Incident, level: Level, m: IncidentManager): Promise<void> {
    switch (level) {
      case 1:
        return this.level1(i, m);
      case 2:
        if (i.class === 'observer_partition' || subjectKind(i.hostId) === 'zone') {
          // Nothing to reboot: the fault is in the network between us and them.
          m.note(i.id, 'notification', 'operations team notified (level 2)');
          return;
        }
        m.requestAction(i, 'reboot', `level 2 advanced recovery for ${i.class}`);
        m.requestAction(i, 'failover', `level 2: activate the backup for ${i.hostId}${i.service ? `/${i.service}` : ''}`);
        m.note(i.id, 'notification', 'operations team notified (level 2)');
        return;
      case 3:
        m.note(i.id, 'notification', 'emergency response team paged (level 3): manual intervention needed');
        return;
    }
  }

  private async level1(i: Incident, m: IncidentManager): Promise<void> {
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
