import type { Logger, ProblemClass, ValidAgentEvent, ValidLogFinding, ValidServiceStatus } from '@vigil/shared';
import { PROBLEM_CLASS_TABLE } from '@vigil/shared';
import type { Diagnoser, HostDiagnosis } from '../diagnosis/diagnoser.js';
import type { IncidentManager } from '../incidents/incident-manager.js';
import type { Incident, RootCause } from '../incidents/types.js';
import type { HostRegistry } from '../registry/host-registry.js';
import type { HostRecord, RegistryEvent, Transition } from '../registry/types.js';
import { PartitionWatch } from './partition-watch.js';

export interface ResponderOptions {
  /** Share of known hosts silent within one window that means the observer is cut off. @default 0.3 */
  partitionRatio: number;
  /** Fewer silent hosts than this are never a partition. @default 3 */
  partitionMinHosts: number;
  /** The window within which those hosts must have fallen silent. @default 30 s */
  partitionWindowMs: number;
  /** Hosts of one zone unreachable together that make one zone incident. @default 2 */
  zoneGroupMin: number;
  zoneLabel: string;
  /** Consecutive heartbeats reporting a service down before an incident opens. @default 2 */
  serviceReportsBeforeIncident: number;
}

export const DEFAULT_RESPONDER_OPTIONS: ResponderOptions = {
  partitionRatio: 0.3,
  partitionMinHosts: 3,
  partitionWindowMs: 30_000,
  zoneGroupMin: 2,
  zoneLabel: 'zone',
  serviceReportsBeforeIncident: 2,
};

const HOST_CLASSES: readonly ProblemClass[] = ['network_issue', 'server_hardware_issue', 'agent_failure'];

/**
 * Turns what the registry sees into incidents: a silent host is diagnosed and classified,
 * a service reported down or erring opens a service incident, agent recovery events land
 * on the incident's timeline (and escalate it at once when recovery is exhausted or the
 * failure recurs), log findings become its root cause.
 */
export class Responder {
  private readonly opts: ResponderOptions;
  private readonly inflight = new Map<string, Promise<HostDiagnosis | undefined>>();
  private readonly downReports = new Map<string, number>();
  /**
   * host\0service of services that may have an open incident: a running service's
   * heartbeat then needs no store lookup at all, which matters on the heartbeat path.
   */
  private readonly serviceIncidents = new Set<string>();
  private readonly partition: PartitionWatch;
  private partitionIncident: string | undefined;

  constructor(
    private readonly registry: HostRegistry,
    private readonly diagnoser: Diagnoser,
    private readonly incidents: IncidentManager,
    private readonly coordinatorId: string,
    /** Recent log findings of a host, from the store. */
    private readonly findingsOf: (hostId: string) => ValidLogFinding[],
    private readonly log: Logger,
    options: Partial<ResponderOptions> = {},
  ) {
    this.opts = { ...DEFAULT_RESPONDER_OPTIONS, ...options };
    this.partition = new PartitionWatch(this.opts.partitionWindowMs);
    this.partitionIncident = this.incidents.store.findActive(this.observerId, '', 'observer_partition')?.id;
    for (const i of this.incidents.store.allActive()) if (i.service) this.serviceIncidents.add(`${i.hostId}\u0000${i.service}`);
  }

  get observerId(): string {
    return `coordinator:${this.coordinatorId}`;
  }

  start(): void {
    this.registry.subscribe((e) => this.on(e));
  }

  /** Waits for diagnoses under way; for tests and shutdown. */
  async idle(): Promise<void> {
    await Promise.all(this.inflight.values());
  }

  private on(e: RegistryEvent): void {
    switch (e.type) {
      case 'transition':
        return this.onTransition(e.transition, e.host);
      case 'heartbeat':
        return this.onHeartbeat(e.host);
      case 'agent_event':
        return this.onAgentEvent(e.hostId, e.event);
      case 'findings':
        return this.onFindings(e.hostId, e.findings);
    }
  }

  private onTransition(t: Transition, host: HostRecord): void {
    if (t.to === 'silent') {
      this.partition.silent(host.id, t.at);
      if (this.checkPartition(t.at)) return;
      void this.diagnoseAndRaise(host.id, 'host went silent');
      return;
    }
    if (t.to === 'online' || t.to === 'left') {
      this.partition.back(host.id);
      for (const i of this.incidents.store.activeForHost(host.id)) {
        if (i.service === '' && HOST_CLASSES.includes(i.class)) {
          this.incidents.conditionClear(i.id, t.to === 'online' ? 'host online again, agent heartbeating' : 'agent said goodbye: planned stop');
        }
      }
      this.checkPartitionClear(t.at);
    }
  }

  /** Diagnoses a host (one run at a time per host) and opens or updates its incident. */
  diagnoseAndRaise(hostId: string, reason: string): Promise<HostDiagnosis | undefined> {
    const running = this.inflight.get(hostId);
    if (running) return running;
    const p = this.diagnoser
      .diagnose(hostId)
      .then((d) => {
        this.raiseFromDiagnosis(d, reason);
        return d;
      })
      .catch((err: unknown) => {
        this.log.error({ err, host: hostId }, 'diagnosis failed');
        return undefined;
      })
      .finally(() => this.inflight.delete(hostId));
    this.inflight.set(hostId, p);
    return p;
  }

  private raiseFromDiagnosis(d: HostDiagnosis, reason: string): void {
    const cls = d.verdict.outcome.class;
    const host = this.registry.get(d.hostId);
    if (!host) return;
    if (cls === 'healthy') {
      if (host.state !== 'online') this.log.info({ host: d.hostId }, 'silent host looks healthy from outside; agent may be recovering');
      return;
    }
    // The host came back while we were probing: nothing to open.
    if (host.state === 'online' && HOST_CLASSES.includes(cls as ProblemClass)) return;
    const info = PROBLEM_CLASS_TABLE[cls as ProblemClass];
    const parent = this.partitionIncident ?? this.zoneParent(host, cls as ProblemClass);
    const { incident, created } = this.incidents.raise({
      hostId: d.hostId,
      class: cls as ProblemClass,
      confidence: d.verdict.outcome.confidence,
      summary: `${d.hostId}: ${info.message}`,
      diagnosis: { reason, facts: d.facts, findings: d.findings, path: d.verdict.path, next: d.verdict.outcome.next, notes: d.notes, vantages: d.vantages, immediateActions: info.immediateActions },
      parentId: parent ?? null,
    });
    if (created) this.attachKnownRootCause(incident);
    // Under an observer partition the zone pattern is the partition's doing, not the zone's.
    if (cls === 'network_issue' && !this.partitionIncident) this.groupZone(host);
    for (const note of d.notes) this.incidents.note(incident.id, 'observation', note);
  }

  /** A zone whose shared dependency failed: one zone incident explains its hosts' ones. */
  private zoneParent(host: HostRecord, cls: ProblemClass): string | undefined {
    if (cls !== 'network_issue') return undefined;
    const zone = host.labels[this.opts.zoneLabel];
    if (!zone) return undefined;
    return this.incidents.store.findActive(`zone:${zone}`, '', 'network_issue')?.id;
  }

  private groupZone(host: HostRecord): void {
    const zone = host.labels[this.opts.zoneLabel];
    if (!zone) return;
    const zoneHosts = [...this.registry.all()].filter((h) => h.labels[this.opts.zoneLabel] === zone && h.state !== 'left');
    const down = zoneHosts
      .map((h) => this.incidents.store.findActive(h.id, '', 'network_issue'))
      .filter((i): i is Incident => i !== undefined);
    if (down.length < this.opts.zoneGroupMin || down.length * 2 < zoneHosts.length) return;
    const { incident: zoneIncident } = this.incidents.raise({
      hostId: `zone:${zone}`,
      class: 'network_issue',
      confidence: 0.9,
      summary: `${down.length} of ${zoneHosts.length} hosts in zone ${zone} unreachable: a shared dependency (switch, router, uplink) is the likely cause`,
      diagnosis: { hosts: down.map((i) => i.hostId) },
    });
    for (const i of down) this.incidents.setParent(i.id, zoneIncident.id, `grouped into zone incident ${zoneIncident.id}`);
  }

  private checkPartition(now: number): boolean {
    const c = this.registry.stateCounts();
    const known = c.online + c.suspect + c.silent;
    const silent = this.partition.countSince(now);
    if (this.partitionIncident) return true;
    if (silent < this.opts.partitionMinHosts || silent < known * this.opts.partitionRatio) return false;
    const { incident } = this.incidents.raise({
      hostId: this.observerId,
      class: 'observer_partition',
      confidence: 0.9,
      summary: `${silent} of ${known} hosts fell silent within ${Math.round(this.opts.partitionWindowMs / 1000)} s: the coordinator's own connectivity is the likely fault`,
      diagnosis: { silentHosts: this.partition.hostsSince(now), known },
    });
    this.partitionIncident = incident.id;
    this.log.warn({ silent, known }, 'observer partition suspected: per-host paging held');
    // Host and zone incidents opened before the pattern was clear are explained by it now.
    for (const i of this.incidents.store.allActive()) {
      if (i.hostId.startsWith('zone:')) this.incidents.setParent(i.id, incident.id, `explained by observer partition ${incident.id}`);
    }
    for (const hostId of this.partition.hostsSince(now)) {
      for (const i of this.incidents.store.activeForHost(hostId)) {
        if (HOST_CLASSES.includes(i.class)) this.incidents.setParent(i.id, incident.id, `explained by observer partition ${incident.id}`);
      }
    }
    return true;
  }

  private checkPartitionClear(_now: number): void {
    if (!this.partitionIncident) return;
    const c = this.registry.stateCounts();
    const stillSilent = c.silent + c.suspect;
    const known = c.online + c.suspect + c.silent;
    if (stillSilent < Math.max(1, known * this.opts.partitionRatio * 0.5)) {
      this.incidents.conditionClear(this.partitionIncident, `${known - stillSilent} of ${known} hosts reachable again`);
      this.partitionIncident = undefined;
      this.partition.reset();
    }
  }

  private onHeartbeat(host: HostRecord): void {
    for (const s of host.serviceStatus) this.onServiceStatus(host, s);
  }

  private onServiceStatus(host: HostRecord, s: ValidServiceStatus): void {
    const key = `${host.id}\u0000${s.name}`;
    const { verdict, facts } = this.diagnoser.serviceVerdict(null, s);
    const cls = verdict.outcome.class;
    if (cls === 'service_failure' || cls === 'partial_failure') {
      // The agent is at level 1 itself (its local recovery is running): an incident opens
      // only if that does not bring the service back, or when the agent reports exhaustion.
      if (s.recovering) return;
      const n = (this.downReports.get(key) ?? 0) + 1;
      this.downReports.set(key, n);
      if (n < this.opts.serviceReportsBeforeIncident) return;
      const existing = this.incidents.store.findActive(host.id, s.name, cls);
      if (existing) {
        if (existing.clearSince !== null) this.incidents.conditionPresent(existing.id, `${s.name} ${s.state} again`);
        return;
      }
      const info = PROBLEM_CLASS_TABLE[cls];
      const hostIncident = this.incidents.store.activeForHost(host.id).find((i) => i.service === '' && HOST_CLASSES.includes(i.class));
      const detail = cls === 'partial_failure' ? `error rate ${(facts.error_rate! * 100).toFixed(1)} % of ${s.errorRate?.requests ?? 0} requests` : `${s.state}`;
      this.serviceIncidents.add(key);
      const { incident } = this.incidents.raise({
        hostId: host.id,
        service: s.name,
        class: cls,
        confidence: verdict.outcome.confidence,
        summary: `${host.id}/${s.name}: ${info.message} (${detail})`,
        diagnosis: { facts, path: verdict.path, next: verdict.outcome.next, status: s, immediateActions: info.immediateActions },
        parentId: hostIncident?.id ?? null,
      });
      this.attachKnownRootCause(incident);
      return;
    }
    this.downReports.delete(key);
    if (!this.serviceIncidents.has(key)) return;
    let open = false;
    for (const c of ['service_failure', 'partial_failure'] as const) {
      const i = this.incidents.store.findActive(host.id, s.name, c);
      if (!i) continue;
      open = true;
      if (i.clearSince === null) this.incidents.conditionClear(i.id, `${s.name} running${c === 'partial_failure' ? ' with a normal error rate' : ''}`);
    }
    if (!open) this.serviceIncidents.delete(key);
  }

  private onAgentEvent(hostId: string, e: ValidAgentEvent): void {
    const active = this.incidents.store.activeForHost(hostId).filter((i) => i.service === e.service && e.service !== '');
    for (const i of active) {
      this.incidents.note(i.id, 'agent_event', `${e.type}${e.step ? ` ${e.step}` : ''}${e.detail ? `: ${e.detail}` : ''}`, e);
    }
    if (e.type !== 'recovery_exhausted' && e.type !== 'recurrence') return;
    let target = active.find((i) => i.class === 'service_failure') ?? active[0];
    this.serviceIncidents.add(`${hostId}\u0000${e.service}`);
    if (!target) {
      const info = PROBLEM_CLASS_TABLE.service_failure;
      target = this.incidents.raise({
        hostId,
        service: e.service,
        class: 'service_failure',
        confidence: 0.95,
        summary: `${hostId}/${e.service}: ${info.message} (${e.type === 'recovery_exhausted' ? 'automatic recovery exhausted' : 'failure recurred after recovery'})`,
        diagnosis: { event: e, immediateActions: info.immediateActions },
      }).incident;
      this.incidents.note(target.id, 'agent_event', `${e.type}${e.detail ? `: ${e.detail}` : ''}`, e);
      this.attachKnownRootCause(target);
    }
    // Runbook 3/4: when the host's own recovery gave up or the failure came back, level 1 is spent.
    if (target.state === 'open' && target.level < 2) this.incidents.escalate(target.id, e.type === 'recovery_exhausted' ? 'automatic recovery exhausted on the host' : 'failure recurred after recovery');
    else if (target.state === 'open' && e.type === 'recurrence') this.incidents.escalate(target.id, 'failure recurred after recovery');
  }

  private onFindings(hostId: string, findings: ValidLogFinding[]): void {
    for (const f of findings) {
      for (const i of this.incidents.store.activeForHost(hostId)) {
        if (i.service === f.service || i.service === '') this.incidents.attachRootCause(i.id, rootCauseOf(f));
      }
    }
  }

  /** Findings seen before the incident opened explain it too. */
  private attachKnownRootCause(i: Incident): void {
    const findings = this.findingsOf(i.hostId).filter((f) => i.service === '' || f.service === i.service);
    const latest = findings.sort((a, b) => b.lastSeenMs - a.lastSeenMs)[0];
    if (latest) this.incidents.attachRootCause(i.id, rootCauseOf(latest));
  }
}

export function rootCauseOf(f: ValidLogFinding): RootCause {
  return {
    cause: f.cause,
    diagnosis: f.diagnosis || 'see the root-cause table (runbook section 5)',
    fix: f.fix,
    prevention: f.prevention,
    excerpt: f.excerpt,
    source: f.source,
    service: f.service,
  };
}
