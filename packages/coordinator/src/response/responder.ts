import { systemClock, type Clock, type Logger, type ValidLogFinding } from '@vigil/shared';
import type { Diagnoser, HostDiagnosis } from '../diagnosis/diagnoser.js';
import type { IncidentManager } from '../incidents/incident-manager.js';
import type { HostRegistry } from '../registry/host-registry.js';
import { DEFAULT_RESPONDER_OPTIONS, type ResponderOptions, type ResponseContext, type ResponseEvent, type AnyResponseRule, type ResponseState } from './context.js';
import { incidentReads } from './incident-reads.js';
import { PartitionWatch } from './partition-watch.js';
import { RESPONSE_RULES } from './rules/table.js';
import { observerSubject } from './subjects.js';

export { DEFAULT_RESPONDER_OPTIONS, type ResponderOptions } from './context.js';
export { rootCauseOf } from './rules/root-cause.js';

/**
 * Turns what the registry sees into incidents by handing each event to the response
 * rules (`rules/table.ts`): a silent host is diagnosed and classified, a service reported
 * down or erring opens a service incident, agent recovery events land on the incident's
 * timeline, log findings become its root cause. A failing rule is logged and does not
 * stop the others.
 */
export class Responder {
  private readonly inflight = new Map<string, Promise<HostDiagnosis | undefined>>();
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

  /** Waits for diagnoses under way; for tests and shutdown. */
  async idle(): Promise<void> {
    await Promise.all(this.inflight.values());
  }

  /** Diagnoses a host (one run at a time per host) and opens or updates its incident. */
  diagnoseAndRaise(hostId: string, reason: string): Promise<HostDiagnosis | undefined> {
    const running = this.inflight.get(hostId);
    if (running) return running;
    const p = this.diagnoser
      .diagnose(hostId)
      .then((diagnosis) => {
        this.dispatch({ type: 'diagnosed', diagnosis, reason });
        return diagnosis;
      })
      .catch((err: unknown) => {
        this.log.error({ err, host: hostId }, 'diagnosis failed');
        return undefined;
      })
      .finally(() => this.inflight.delete(hostId));
    this.inflight.set(hostId, p);
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
