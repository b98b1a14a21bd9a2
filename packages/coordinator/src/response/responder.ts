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

  private dispatch(e: ResponseEvent): void {
    for (const rule of this.rules) {
      if (rule.on !== e.type) continue;
      try {
        // `on` matched the event's type, which is what the rule's parameter type says.
        rule.handle(e as never, this.ctx);
      } catch (err) {
        this.log.error({ err, rule: rule.name, event: e.type }, 'response rule failed');
      }
    }
  }
}
