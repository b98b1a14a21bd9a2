import { systemClock, type Clock, type Logger, type ValidLogFinding } from '@vigil/shared';
import type { Diagnoser, HostDiagnosis } from '../diagnosis/diagnoser.js';
import type { IncidentManager } from '../incidents/incident-manager.js';
import type { HostRegistry } from '../registry/host-registry.js';
import { DEFAULT_RESPONDER_OPTIONS, type ResponderOptions, type ResponseContext, type ResponseEvent, type AnyResponseRule, type ResponseState } from './context.js';
import { DiagnosisQueue, type DiagnosisLoad } from './diagnosis-queue.js';
import { incidentReads } from './incident-reads.js';
import { PartitionWatch } from './partition-watch.js';
import { RESPONSE_RULES } from './rules/table.js';
import { observerSubject } from './subjects.js';
import { isStoreCondition } from '../store/write-guard.js';

/** Events kept for a second try while the store cannot write; the oldest go first beyond it. */
const MAX_REFUSED_EVENTS = 10_000;

export { DEFAULT_RESPONDER_OPTIONS, type ResponderOptions } from './context.js';
export type { DiagnosisLoad } from './diagnosis-queue.js';
export { rootCauseOf } from './rules/root-cause.js';

/**
 * Turns what the registry sees into incidents by handing each event to the response
 * rules (`rules/table.ts`): a silent host is diagnosed and classified, a service reported
 * down or erring opens a service incident, agent recovery events land on the incident's
 * timeline, log findings become its root cause. A failing rule is logged and does not
 * stop the others.
 */
export class Responder {
  private readonly queue: DiagnosisQueue<HostDiagnosis>;
  private readonly ctx: ResponseContext;
  /**
   * Diagnoses and transitions whose incident could not be written (disk full): handled
   * again once the store takes writes (`retryRefused`), so an outage seen while degraded
   * still gets its incident. The rules look at the host as it is then.
   */
  private refused: { rule: AnyResponseRule; e: ResponseEvent }[] = [];

  constructor(
    private readonly registry: HostRegistry,
    private readonly diagnoser: Diagnoser,
    incidents: IncidentManager,
    coordinatorId: string,
    /** Recent log findings of a host, from the store. */
    findingsOf: (hostId: string) => ValidLogFinding[],
    private readonly log: Logger,
    options: Partial<ResponderOptions> = {},
    private readonly rules: readonly AnyResponseRule[] = RESPONSE_RULES,
    clock: Pick<Clock, 'now'> = systemClock,
  ) {
    const opts = { ...DEFAULT_RESPONDER_OPTIONS, ...options };
    // Only a host still unreachable needs its turn; one back online or gone is skipped.
    this.queue = new DiagnosisQueue(
      opts.diagnosisConcurrency,
      (hostId) => {
        const state = registry.get(hostId)?.state;
        return state === 'silent' || state === 'suspect';
      },
      clock,
    );
    const reads = incidentReads(incidents);
    const observerId = observerSubject(coordinatorId);
    const state: ResponseState = {
      partition: new PartitionWatch(opts.partitionWindowMs),
      partitionIncident: reads.findActive(observerId, '', 'observer_partition')?.id,
      downReports: new Map(),
      serviceIncidents: new Set(),
    };
    for (const i of reads.allActive()) if (i.service) state.serviceIncidents.add(`${i.hostId}\u0000${i.service}`);
    this.ctx = {
      opts,
      registry,
      incidents,
      reads,
      log,
      observerId,
      state,
      now: () => clock.now(),
      serviceVerdict: (hostFacts, s) => diagnoser.serviceVerdict(hostFacts, s),
      diagnose: (hostId, reason) => this.diagnoseAndRaise(hostId, reason),
      cancelQueuedDiagnosis: (hostId) => {
        if (this.queue.drop(hostId)) log.debug({ host: hostId }, 'host back before its diagnosis started: dropped from the queue');
      },
      emit: (e) => this.dispatch(e),
      findingsOf,
    };
  }

  get observerId(): string {
    return this.ctx.observerId;
  }

  start(): void {
    this.registry.subscribe((e) => this.dispatch(e));
  }

  /** Waits for diagnoses under way and queued; for tests and shutdown. */
  async idle(): Promise<void> {
    await this.queue.idle();
  }

  /** Diagnoses running and waiting, for /metrics. */
  diagnosisLoad(): DiagnosisLoad {
    return this.queue.load();
  }

  /**
   * Diagnoses a host (one run at a time per host, at most `diagnosisConcurrency` at once,
   * the rest queued in arrival order) and opens or updates its incident.
   */
  diagnoseAndRaise(hostId: string, reason: string): Promise<HostDiagnosis | undefined> {
    const queuedBefore = this.queue.load().queued;
    const p = this.queue.submit(hostId, () =>
      this.diagnoser
        .diagnose(hostId)
        .then((diagnosis) => {
          this.dispatch({ type: 'diagnosed', diagnosis, reason });
          return diagnosis;
        })
        .catch((err: unknown) => {
          this.log.error({ err, host: hostId }, 'diagnosis failed');
          return undefined;
        }),
    );
    const load = this.queue.load();
    // Once per backlog, not once per host: a fleet-wide cut queues hundreds.
    if (queuedBefore === 0 && load.queued === 1) {
      this.log.warn({ running: load.running, limit: this.ctx.opts.diagnosisConcurrency }, 'all diagnosis slots busy: further silent hosts wait in arrival order');
    }
    return p;
  }

  /** Handles again what the store refused while degraded; called once it takes writes again. */
  retryRefused(): void {
    const refused = this.refused;
    this.refused = [];
    for (const { rule, e } of refused) {
      // A transition the host has since moved on from is history; its successor was handled.
      if (e.type === 'transition' && this.registry.get(e.transition.hostId)?.state !== e.transition.to) continue;
      this.run(rule, e);
    }
    if (refused.length > 0) this.log.info({ events: refused.length }, 'handled again the events whose incidents the store refused while degraded');
  }

  private dispatch(e: ResponseEvent): void {
    for (const rule of this.rules) if (rule.on === e.type) this.run(rule, e);
  }

  private run(rule: AnyResponseRule, e: ResponseEvent): void {
    try {
      // `on` matched the event's type, which is what the rule's parameter type says.
      rule.handle(e as never, this.ctx);
    } catch (err) {
      if (!isStoreCondition(err)) {
        this.log.error({ err, rule: rule.name, event: e.type }, 'response rule failed');
        return;
      }
      // The store guard reports a full disk once; this rule gets the event again after it.
      this.log.debug({ err: err.message, rule: rule.name, event: e.type }, 'response rule could not write the store');
      if (e.type === 'diagnosed' || e.type === 'transition') {
        if (this.refused.push({ rule, e }) > MAX_REFUSED_EVENTS) this.refused.shift();
      }
    }
  }
}
