import { randomUUID } from 'node:crypto';
import type { Clock, CloudEvent, Logger, ProblemClass, TimerHandle } from '@vigil/shared';
import type { Db } from '../store/db.js';
import { actionSubject, escalationSubject, incidentEvent, incidentSubject, type IncidentEventName } from './incident-events.js';
import type { IncidentStore } from './incident-store.js';
import { silenceMatches } from './silence-match.js';
import type { Incident, Level, RootCause, Silence, TimelineKind } from './types.js';

export interface RaiseInput {
  hostId: string;
  service?: string;
  class: ProblemClass;
  confidence: number;
  summary: string;
  diagnosis?: unknown;
  /** An incident that explains this one; this one is then recorded but not escalated. */
  parentId?: string | null;
}

/** What happens when an incident enters a level; runs after the change is committed. */
export interface LevelActions {
  onLevel(incident: Incident, level: Level, manager: IncidentManager): void | Promise<void>;
}

export interface IncidentManagerOptions {
  escalationMs: (cls: ProblemClass) => number;
  /** An incident resolves itself after its condition has been clear this long. @default 60 s */
  settleMs: number;
  /** How often due escalations and settled incidents are looked for. @default 1 s */
  tickMs: number;
  source: string;
  apiBase: string;
}

export interface IncidentSink {
  /** Adds an event to the outbox; called inside the incident's transaction. */
  enqueue(subject: string, event: CloudEvent): void;
  /** Wakes the publisher after a commit. */
  kick(): void;
}

export type IncidentListener = (i: Incident, event: IncidentEventName) => void;

/**
 * Opens, escalates, acknowledges and resolves incidents by the runbook's escalation
 * matrix. Every change, its timeline entry and its outbox events are one transaction, and
 * escalation deadlines live in the incident rows: a restart resumes them exactly, and a
 * level is never entered twice.
 */
export class IncidentManager {
  private timer: TimerHandle | undefined;
  private running = false;
  private readonly listeners: IncidentListener[] = [];

  constructor(
    private readonly db: Db,
    readonly store: IncidentStore,
    private readonly sink: IncidentSink,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: IncidentManagerOptions,
    private actions: LevelActions = { onLevel: () => {} },
  ) {}

  setActions(actions: LevelActions): void {
    this.actions = actions;
  }

  onChange(fn: IncidentListener): void {
    this.listeners.push(fn);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
  }

  /** Opens an incident, or records the observation on the one already open for the same key. */
  raise(input: RaiseInput): { incident: Incident; created: boolean } {
    const service = input.service ?? '';
    const now = this.clock.now();
    const existing = this.store.findActive(input.hostId, service, input.class);
    if (existing) {
      this.tx(() => {
        existing.updatedAt = now;
        existing.clearSince = null;
        existing.confidence = input.confidence;
        if (input.diagnosis !== undefined) existing.diagnosis = input.diagnosis;
        this.store.update(existing);
        this.store.addTimeline(existing.id, now, 'observation', input.summary, input.diagnosis);
      });
      return { incident: existing, created: false };
    }
    const parentId = input.parentId ?? null;
    const incident: Incident = {
      id: `inc-${now.toString(36)}-${randomUUID().slice(0, 8)}`,
      hostId: input.hostId,
      service,
      class: input.class,
      state: 'open',
      level: 1,
      confidence: input.confidence,
      summary: input.summary,
      rootCause: null,
      diagnosis: input.diagnosis ?? null,
      openedAt: now,
      updatedAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
      nextEscalationAt: parentId ? null : now + this.opts.escalationMs(input.class),
      clearSince: null,
      parentId,
      predictionId: null,
    };
    this.tx(() => {
      this.store.insert(incident);
      this.store.addTimeline(incident.id, now, 'opened', input.summary, { class: input.class, confidence: input.confidence, level: 1 });
      if (input.diagnosis !== undefined) this.store.addTimeline(incident.id, now, 'decision', `classified ${input.class} (confidence ${input.confidence})`, input.diagnosis);
      if (parentId) this.store.addTimeline(incident.id, now, 'suppressed', `explained by ${parentId}; not escalated on its own`, { parentId });
      this.emit(incident, 'opened', 'opened');
      this.announceLevel(incident, 'opened at level 1');
    });
    this.afterLevel(incident, 1);
    return { incident, created: true };
  }

  get(id: string): Incident | undefined {
    return this.store.get(id);
  }

  /** Moves an incident up one level now (timer due, recovery exhausted, recurrence). */
  escalate(id: string, reason: string): Incident | undefined {
    const i = this.store.get(id);
    if (!i || i.state !== 'open' || i.level >= 3) return i;
    const now = this.clock.now();
    this.tx(() => {
      i.level = (i.level + 1) as Level;
      i.updatedAt = now;
      i.nextEscalationAt = i.level < 3 && !i.parentId ? now + this.opts.escalationMs(i.class) : null;
      this.store.update(i);
      this.store.addTimeline(i.id, now, 'escalated', `level ${i.level}: ${reason}`, { level: i.level, reason });
      this.emit(i, 'escalated', reason);
      this.announceLevel(i, reason);
    });
    this.log.warn({ incident: i.id, host: i.hostId, class: i.class, level: i.level, reason }, 'incident escalated');
    this.afterLevel(i, i.level);
    return i;
  }

  acknowledge(id: string, by: string, comment: string): Incident | undefined {
    const i = this.store.get(id);
    if (!i || i.state !== 'open') return i;
    const now = this.clock.now();
    this.tx(() => {
      i.state = 'acknowledged';
      i.acknowledgedAt = now;
      i.acknowledgedBy = by;
      i.nextEscalationAt = null;
      i.updatedAt = now;
      this.store.update(i);
      this.store.addTimeline(i.id, now, 'human', `acknowledged by ${by}${comment ? `: ${comment}` : ''}`, { by, comment });
      this.emit(i, 'acknowledged', comment || 'acknowledged');
    });
    return i;
  }

  resolve(id: string, by: string, resolution: string): Incident | undefined {
    const i = this.store.get(id);
    if (!i || i.state === 'resolved') return i;
    const now = this.clock.now();
    this.tx(() => {
      i.state = 'resolved';
      i.resolvedAt = now;
      i.resolvedBy = by;
      i.resolution = resolution;
      i.nextEscalationAt = null;
      i.updatedAt = now;
      this.store.update(i);
      this.store.addTimeline(i.id, now, by === 'vigil' ? 'resolved' : 'human', `resolved by ${by}: ${resolution}`, { by, resolution });
      this.emit(i, 'resolved', resolution);
      // What this one explained is on its own again, and escalates from now.
      for (const child of this.store.children(i.id)) {
        child.parentId = null;
        child.nextEscalationAt = child.state === 'open' && child.level < 3 ? now + this.opts.escalationMs(child.class) : null;
        child.updatedAt = now;
        this.store.update(child);
        this.store.addTimeline(child.id, now, 'observation', `no longer explained by ${i.id} (resolved)`);
      }
    });
    return i;
  }

  /** The condition is gone; the incident resolves if it stays gone for the settle window. */
  conditionClear(id: string, reason: string): void {
    const i = this.store.get(id);
    if (!i || i.state === 'resolved' || i.clearSince !== null) return;
    const now = this.clock.now();
    this.tx(() => {
      i.clearSince = now;
      i.updatedAt = now;
      this.store.update(i);
      this.store.addTimeline(i.id, now, 'condition_clear', reason);
    });
  }

  /** The condition is back before the settle window ran out: not resolved after all. */
  conditionPresent(id: string, reason: string): void {
    const i = this.store.get(id);
    if (!i || i.state === 'resolved' || i.clearSince === null) return;
    const now = this.clock.now();
    this.tx(() => {
      i.clearSince = null;
      i.updatedAt = now;
      this.store.update(i);
      this.store.addTimeline(i.id, now, 'observation', reason);
    });
  }

  setParent(id: string, parentId: string, reason: string): void {
    const i = this.store.get(id);
    if (!i || i.state === 'resolved' || i.parentId === parentId) return;
    const now = this.clock.now();
    this.tx(() => {
      i.parentId = parentId;
      i.nextEscalationAt = null;
      i.updatedAt = now;
      this.store.update(i);
      this.store.addTimeline(i.id, now, 'suppressed', reason, { parentId });
    });
  }

  attachRootCause(id: string, rc: RootCause): void {
    const i = this.store.get(id);
    if (!i || i.state === 'resolved') return;
    if (i.rootCause?.cause === rc.cause && i.rootCause.excerpt === rc.excerpt) return;
    const now = this.clock.now();
    this.tx(() => {
      i.rootCause = rc;
      i.updatedAt = now;
      this.store.update(i);
      this.store.addTimeline(i.id, now, 'root_cause', `${rc.cause}: ${rc.diagnosis}`, rc);
      this.emit(i, 'root_cause', rc.cause);
    });
  }

  linkPrediction(id: string, predictionId: string, summary: string): void {
    const i = this.store.get(id);
    if (!i) return;
    const now = this.clock.now();
    this.tx(() => {
      i.predictionId = predictionId;
      this.store.update(i);
      this.store.addTimeline(i.id, now, 'prediction', summary, { predictionId });
    });
  }

  /** Records something on the timeline without changing the incident. */
  note(id: string, kind: TimelineKind, summary: string, data?: unknown): void {
    this.store.addTimeline(id, this.clock.now(), kind, summary, data);
  }

  /** Publishes an action request for external automation (reboot, failover), recorded on the timeline. */
  requestAction(i: Incident, action: string, reason: string): void {
    const now = this.clock.now();
    const silence = this.isSilenced(i, now);
    if (silence) {
      // A silenced host is usually in maintenance: automation must not reboot it either.
      this.note(i.id, 'silenced', `${action} request held by silence ${silence.id}: ${silence.comment}`, { action, silenceId: silence.id });
      return;
    }
    this.tx(() => {
      const silenced = false;
      const ev = incidentEvent(i, 'updated', { source: this.opts.source, apiBase: this.opts.apiBase, at: now, silenced, reason, type: `vigil.v1.action.${action}` });
      this.sink.enqueue(actionSubject(action, i.hostId), ev);
      this.store.addTimeline(i.id, now, 'action', `requested ${action}: ${reason}`, { action, eventId: ev.id });
    });
  }

  isSilenced(i: Pick<Incident, 'hostId' | 'service' | 'class'>, now = this.clock.now()): Silence | undefined {
    return this.store.activeSilences(now).find((s) => silenceMatches(s, i, now));
  }

  /** Escalates what is due and resolves what has settled; exposed for tests and for restarts. */
  tick(): void {
    const now = this.clock.now();
    for (const i of this.store.due(now)) this.escalate(i.id, `unresolved for ${Math.round(this.opts.escalationMs(i.class) / 1000)} s at level ${i.level}`);
    for (const i of this.store.settledBefore(now - this.opts.settleMs)) this.resolve(i.id, 'vigil', `condition clear for ${Math.round(this.opts.settleMs / 1000)} s`);
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      try {
        this.tick();
      } catch (err) {
        this.log.error({ err }, 'incident tick failed');
      }
      this.schedule();
    }, this.opts.tickMs);
  }

  private tx(fn: () => void): void {
    this.db.transaction(fn)();
    this.sink.kick();
  }

  private emit(i: Incident, event: IncidentEventName, reason: string): void {
    const now = this.clock.now();
    const silenced = this.isSilenced(i, now) !== undefined;
    this.sink.enqueue(incidentSubject(event, i.hostId), incidentEvent(i, event, { source: this.opts.source, apiBase: this.opts.apiBase, at: now, silenced, reason }));
    for (const fn of this.listeners) {
      try {
        fn(i, event);
      } catch (err) {
        this.log.error({ err }, 'incident listener failed');
      }
    }
  }

  /** The escalation subject pagers listen on; quiet while silenced or explained by another incident. */
  private announceLevel(i: Incident, reason: string): void {
    const now = this.clock.now();
    const silence = this.isSilenced(i, now);
    if (silence) {
      this.store.addTimeline(i.id, now, 'silenced', `level ${i.level} notification held by silence ${silence.id}: ${silence.comment}`, { silenceId: silence.id });
      return;
    }
    if (i.parentId) return;
    const ev = incidentEvent(i, 'escalated', { source: this.opts.source, apiBase: this.opts.apiBase, at: now, silenced: false, reason, type: `vigil.v1.escalation.l${i.level}` });
    this.sink.enqueue(escalationSubject(i.level, i.class, i.hostId), ev);
    this.store.addTimeline(i.id, now, 'notification', `published level ${i.level} on ${escalationSubject(i.level, i.class, i.hostId)}`, { eventId: ev.id });
  }

  private afterLevel(i: Incident, level: Level): void {
    if (i.parentId) return;
    Promise.resolve()
      .then(() => this.actions.onLevel(i, level, this))
      .catch((err: unknown) => {
        this.log.error({ err, incident: i.id, level }, 'level action failed');
        this.note(i.id, 'action', `level ${level} action failed: ${(err as Error).message}`);
      });
  }
}
