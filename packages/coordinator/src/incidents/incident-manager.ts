import { randomUUID } from 'node:crypto';
import { VigilError, type Clock, type CloudEvent, type Logger, type ProblemClass, type TimerHandle } from '@vigil/shared';
import type { Db } from '../store/db.js';
import { isStoreCondition, type StoreWriteGuard } from '../store/write-guard.js';
import { IncidentConflictError, IncidentInvariantError } from './errors.js';
import { actionSubject, escalationSubject, incidentEvent, incidentSubject, type IncidentEventName } from './incident-events.js';
import { DEFAULT_FLAP_OPTIONS, flapEnded, isFlapping, recordChange, type FlapOptions } from './flapping.js';
import type { IncidentStore } from './incident-store.js';
import { lifecycleOf, rowOf, step, type LifecycleInput } from './lifecycle.js';
import { silenceMatches } from './silence-match.js';
import { CONDITION_FROM_CHILDREN, subjectFromKey, subjectKey, type IncidentSubject } from './subject.js';
import type { Incident, Level, RootCause, Silence, TimelineKind } from './types.js';

export interface RaiseInput {
  hostId: string;
  service?: string;
  /**
   * What the incident is about. When given it decides the kind and must name the same key
   * as hostId/service; without it the kind follows from hostId (`zone:` and
   * `coordinator:` are pseudo-hosts) and service.
   */
  subject?: IncidentSubject;
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
  /** Flap detection. @default DEFAULT_FLAP_OPTIONS (3 changes within 10 min) */
  flap?: FlapOptions;
  /**
   * Every change is written through it: while the store cannot write, a change is refused
   * with StoreUnavailableError (an API call answers 503) and nothing changes; timers try
   * again on their next tick. @default writes directly
   */
  storeGuard?: StoreWriteGuard;
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
 * level is never entered twice. What may happen in which state is decided by one table
 * (lifecycle.ts); listeners and level actions run only after the change is committed.
 */
export class IncidentManager {
  private timer: TimerHandle | undefined;
  private running = false;
  private readonly listeners: IncidentListener[] = [];
  /** Work to run once the outermost transaction has committed; undefined outside one. */
  private afterCommit: (() => void)[] | undefined;
  private readonly flap: FlapOptions;

  constructor(
    private readonly db: Db,
    readonly store: IncidentStore,
    private readonly sink: IncidentSink,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: IncidentManagerOptions,
    private actions: LevelActions = { onLevel: () => {} },
  ) {
    this.flap = opts.flap ?? DEFAULT_FLAP_OPTIONS;
  }

  setActions(actions: LevelActions): void {
    this.actions = actions;
  }

  /** Called after each committed change, never inside the transaction that made it. */
  onChange(fn: IncidentListener): void {
    this.listeners.push(fn);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    try {
      this.repair();
    } catch (err) {
      if (!isStoreCondition(err)) throw err;
      // Started on a full disk: those children stay grouped until a start that can write.
      this.log.warn({ err: err.message }, 'could not release incidents whose parent is gone: the store cannot write; tried again at the next start');
    }
    this.schedule();
  }

  /**
   * Rows written before the parent rules existed (or by hand) may hold a child whose
   * parent is gone or resolved: it escalates on its own from now.
   */
  repair(): void {
    const now = this.clock.now();
    for (const i of this.store.allActive()) {
      if (i.parentId === null || this.activeParent(i.parentId, i.id)) continue;
      this.tx(() => this.release(i, now, `no longer explained by ${i.parentId} (resolved or gone)`));
    }
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
  }

  /** Opens an incident, or records the observation on the one already open for the same key. */
  raise(input: RaiseInput): { incident: Incident; created: boolean } {
    const subject = resolveSubject(input);
    const { hostId, service } = subjectKey(subject);
    const now = this.clock.now();
    const existing = this.store.findActive(hostId, service, input.class);
    if (existing) {
      this.tx(() => {
        existing.confidence = input.confidence;
        if (input.diagnosis !== undefined) existing.diagnosis = input.diagnosis;
        // Seen again: the condition is present, whatever it was.
        if (!this.transition(existing, 'present', input.summary, {}, input.diagnosis)) {
          this.store.addTimeline(existing.id, now, 'observation', input.summary, input.diagnosis);
          this.save(existing, now);
        }
      });
      return { incident: existing, created: false };
    }
    // Only an active parent whose condition is present explains a new incident: one that
    // is resolved or settling is not the cause of an outage that starts now.
    const wanted = input.parentId ?? null;
    const parentRefusal = wanted ? this.parentRefusal(wanted, undefined) : undefined;
    const parentId = wanted && !parentRefusal ? wanted : null;
    const incident: Incident = {
      id: `inc-${now.toString(36)}-${randomUUID().slice(0, 8)}`,
      hostId,
      service,
      subject,
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
      flapping: false,
      conditionChanges: [],
    };
    this.tx(() => {
      this.check(incident);
      this.store.insert(incident);
      this.store.addTimeline(incident.id, now, 'opened', input.summary, { class: input.class, confidence: input.confidence, level: 1, subject });
      if (input.diagnosis !== undefined) this.store.addTimeline(incident.id, now, 'decision', `classified ${input.class} (confidence ${input.confidence})`, input.diagnosis);
      if (parentId) this.store.addTimeline(incident.id, now, 'suppressed', `explained by ${parentId}; not escalated on its own`, { parentId });
      if (parentRefusal) this.store.addTimeline(incident.id, now, 'observation', `not explained by ${wanted}: ${parentRefusal}; escalates on its own`, { parentId: wanted });
      this.emit(incident, 'opened', 'opened');
      this.announceLevel(incident, 'opened at level 1');
      this.later(() => this.afterLevel(incident, 1));
    });
    return { incident, created: true };
  }

  get(id: string): Incident | undefined {
    return this.store.get(id);
  }

  /**
   * Moves an incident up one level now (recovery exhausted, recurrence). Whatever asks for
   * this has seen the fault: the condition is present again, and a settle window that was
   * running starts over.
   */
  escalate(id: string, reason: string): Incident | undefined {
    const i = this.store.get(id);
    if (!i) return undefined;
    this.tx(() => this.transition(i, 'escalate', reason));
    return i;
  }

  /** A person takes the incident: it escalates no further. Throws IncidentConflictError unless open. */
  acknowledge(id: string, by: string, comment: string): Incident {
    const i = this.mustGet(id);
    this.tx(() => this.transition(i, 'ack', comment, { by, comment }));
    return i;
  }

  /** A person resolved it. Throws IncidentConflictError when it is already resolved. */
  resolve(id: string, by: string, resolution: string): Incident {
    const i = this.mustGet(id);
    this.tx(() => this.transition(i, 'resolve', resolution, { by }));
    return i;
  }

  /**
   * A person reopens a resolved incident (resolved too early, or by mistake): it is open
   * at the level it had, with a fresh escalation deadline. Throws IncidentConflictError
   * unless resolved, or when another incident is already active for the same key.
   */
  reopen(id: string, by: string, reason: string): Incident {
    const i = this.mustGet(id);
    const other = i.state === 'resolved' ? this.store.findActive(i.hostId, i.service, i.class) : undefined;
    if (other) throw new IncidentConflictError(i.id, i.state, 'duplicate_active', `incident "${other.id}" is already active for the same host, service and class`);
    this.tx(() => this.transition(i, 'reopen', reason, { by }));
    return i;
  }

  /** The condition is gone; the incident resolves if it stays gone for the settle window. */
  conditionClear(id: string, reason: string): void {
    const i = this.store.get(id);
    if (!i) return;
    this.tx(() => this.transition(i, 'clear', reason));
  }

  /** The condition is back: the settle window, if one was running, starts over. */
  conditionPresent(id: string, reason: string): void {
    const i = this.store.get(id);
    if (!i) return;
    this.tx(() => this.transition(i, 'present', reason));
  }

  /**
   * Records that another incident explains this one: it is then not escalated on its own.
   * Refused (with a timeline note) when that one is resolved, settling, or explained by
   * this one.
   */
  setParent(id: string, parentId: string, reason: string): void {
    const i = this.store.get(id);
    if (!i || i.state === 'resolved' || i.parentId === parentId) return;
    const now = this.clock.now();
    const refusal = this.parentRefusal(parentId, i.id);
    if (refusal) {
      this.note(i.id, 'observation', `not grouped under ${parentId}: ${refusal}`, { parentId });
      return;
    }
    const before = i.parentId;
    this.tx(() => {
      i.parentId = parentId;
      i.nextEscalationAt = null;
      this.save(i, now);
      this.store.addTimeline(i.id, now, 'suppressed', reason, { parentId });
      // What it was grouped under before explains one incident fewer: a zone whose hosts
      // all moved under an observer partition has nothing left to be down for.
      if (before) this.followChildren(before);
    });
  }

  attachRootCause(id: string, rc: RootCause): void {
    const i = this.store.get(id);
    if (!i || i.state === 'resolved') return;
    if (i.rootCause?.cause === rc.cause && i.rootCause.excerpt === rc.excerpt) return;
    const now = this.clock.now();
    this.tx(() => {
      i.rootCause = rc;
      this.save(i, now);
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
    this.tx(() => this.store.addTimeline(id, this.clock.now(), kind, summary, data));
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
    for (const i of this.store.due(now)) {
      this.tx(() => this.transition(i, 'deadline', `unresolved for ${Math.round(this.opts.escalationMs(i.class) / 1000)} s at level ${i.level}`));
    }
    for (const i of this.store.settledBefore(now - this.opts.settleMs)) {
      this.tx(() => this.transition(i, 'settle', `condition clear for ${Math.round(this.opts.settleMs / 1000)} s`));
    }
    for (const i of this.store.activeFlapping()) {
      if (!flapEnded(i.conditionChanges, now, this.flap)) continue;
      this.tx(() => {
        i.flapping = false;
        this.save(i, now);
        this.store.addTimeline(i.id, now, 'flapping', `stopped flapping: condition ${i.clearSince === null ? 'present' : 'clear'} for ${Math.round(this.flap.windowMs / 1000)} s`, { flapping: false });
        this.emit(i, 'updated', 'stopped flapping');
      });
    }
  }

  /**
   * Feeds one input to the lifecycle table and applies what it says, with the timeline
   * entry, events and side effects the move brings. Returns false when the table ignores
   * the input; throws IncidentConflictError when it refuses it. Runs inside a transaction.
   */
  private transition(i: Incident, input: LifecycleInput, reason: string, who: { by?: string; comment?: string } = {}, data?: unknown): boolean {
    const now = this.clock.now();
    const from = lifecycleOf(i);
    const s = step(from, input, now);
    if (s.kind === 'ignore') return false;
    if (s.kind === 'conflict') throw new IncidentConflictError(i.id, i.state, s.reason, s.why);
    const wasPresent = from.state !== 'resolved' && from.condition.kind === 'present';
    Object.assign(i, rowOf(s.to));
    const isPresent = s.to.state !== 'resolved' && s.to.condition.kind === 'present';
    // Counted first, so the events of this very move (an escalation) already say whether it flaps.
    if (from.state !== 'resolved' && s.to.state !== 'resolved' && wasPresent !== isPresent) this.countChange(i, now);
    switch (input) {
      case 'present':
        this.store.addTimeline(i.id, now, 'observation', reason, data);
        break;
      case 'clear':
        this.store.addTimeline(i.id, now, 'condition_clear', reason);
        break;
      case 'escalate':
      case 'deadline':
        if (input === 'escalate' && !wasPresent && isPresent) this.store.addTimeline(i.id, now, 'observation', `condition present: ${reason}`);
        if (s.levelUp && i.level < 3) this.levelUp(i, now, reason);
        break;
      case 'ack':
        i.acknowledgedAt = now;
        i.acknowledgedBy = who.by ?? null;
        i.nextEscalationAt = null;
        this.store.addTimeline(i.id, now, 'human', `acknowledged by ${who.by}${who.comment ? `: ${who.comment}` : ''}`, { by: who.by, comment: who.comment ?? '' });
        this.emit(i, 'acknowledged', who.comment || 'acknowledged');
        break;
      case 'settle':
      case 'resolve': {
        const by = input === 'settle' ? 'vigil' : (who.by ?? 'vigil');
        i.resolvedAt = now;
        i.resolvedBy = by;
        i.resolution = reason;
        i.nextEscalationAt = null;
        this.store.addTimeline(i.id, now, input === 'settle' ? 'resolved' : 'human', `resolved by ${by}: ${reason}`, { by, resolution: reason });
        this.emit(i, 'resolved', reason);
        this.save(i, now);
        for (const child of this.store.children(i.id)) this.release(child, now, `no longer explained by ${i.id} (resolved)`);
        if (i.parentId) this.followChildren(i.parentId);
        return true;
      }
      case 'reopen':
        i.resolvedAt = null;
        i.resolvedBy = null;
        i.resolution = null;
        i.acknowledgedAt = null;
        i.acknowledgedBy = null;
        i.parentId = null;
        i.nextEscalationAt = i.level < 3 ? now + this.opts.escalationMs(i.class) : null;
        this.store.addTimeline(i.id, now, 'human', `reopened by ${who.by}: ${reason}`, { by: who.by, reason });
        this.emit(i, 'updated', `reopened: ${reason}`);
        // Live again: the pagers hear it at the level it had (vigil-notify pages anew, as a
        // new episode), not only at the next level once the fresh deadline passes.
        this.announceLevel(i, `reopened by ${who.by}: ${reason}`);
        break;
    }
    this.save(i, now);
    if (i.parentId && (s.to.state === 'resolved' || wasPresent !== isPresent)) this.followChildren(i.parentId);
    return true;
  }

  /** Records a change of the condition; enough of them within the flap window make it flapping. */
  private countChange(i: Incident, now: number): void {
    i.conditionChanges = recordChange(i.conditionChanges, now, this.flap);
    if (i.flapping || !isFlapping(i.conditionChanges, now, this.flap)) return;
    i.flapping = true;
    const n = i.conditionChanges.length;
    const w = Math.round(this.flap.windowMs / 1000);
    this.store.addTimeline(i.id, now, 'flapping', `flapping: condition changed ${n} times within ${w} s; it keeps escalating and resolves only after staying clear for the settle window`, {
      flapping: true,
      changes: n,
      windowMs: this.flap.windowMs,
    });
    this.emit(i, 'updated', `flapping: condition changed ${n} times within ${w} s`);
  }

  /** A group incident's condition follows the incidents it explains (CONDITION_FROM_CHILDREN). */
  private followChildren(parentId: string): void {
    const parent = this.store.get(parentId);
    if (!parent || parent.state === 'resolved') return;
    const rule = CONDITION_FROM_CHILDREN[parent.subject.kind];
    const children = this.store.children(parent.id);
    const present = children.filter((c) => c.clearSince === null);
    if (present.length === 0 && rule.clearsWithChildren) {
      this.transition(parent, 'clear', `every incident it explains is clear or resolved (${children.length} still settling)`);
    } else if (present.length > 0 && rule.returnsWithChildren && parent.clearSince !== null) {
      this.transition(parent, 'present', `${present.map((c) => c.hostId).join(', ')} down again`);
    }
  }

  /** Why parentId cannot explain an incident now, or undefined when it can. */
  private parentRefusal(parentId: string, childId: string | undefined): string | undefined {
    if (parentId === childId) return 'an incident cannot explain itself';
    const parent = this.store.get(parentId);
    if (!parent) return 'no such incident';
    if (parent.state === 'resolved') return 'it is resolved';
    if (parent.clearSince !== null) return 'its condition is clear (settling)';
    // Walking up from the parent must not reach the child: no cycles.
    let up = parent.parentId;
    for (let n = 0; up !== null && n < 16; n++) {
      if (up === childId) return 'it is explained by this incident';
      up = this.store.get(up)?.parentId ?? null;
    }
    return undefined;
  }

  /** The parent that explains an incident, if it is still active. */
  private activeParent(parentId: string, childId: string): Incident | undefined {
    const p = this.store.get(parentId);
    return p && p.state !== 'resolved' && p.id !== childId ? p : undefined;
  }

  private levelUp(i: Incident, now: number, reason: string): void {
    i.level = (i.level + 1) as Level;
    i.nextEscalationAt = i.level < 3 && !i.parentId ? now + this.opts.escalationMs(i.class) : null;
    this.store.addTimeline(i.id, now, 'escalated', `level ${i.level}: ${reason}`, { level: i.level, reason });
    this.emit(i, 'escalated', reason);
    this.announceLevel(i, reason);
    const level = i.level;
    this.later(() => {
      // Not `level`: that key is pino's own severity, and `jq 'select(.level >= 40)'` must find this line.
      this.log.warn({ incident: i.id, host: i.hostId, class: i.class, incidentLevel: level, flapping: i.flapping, reason }, 'incident escalated');
      this.afterLevel(i, level);
    });
  }

  /** What nothing explains any longer is on its own again, and escalates from now. */
  private release(child: Incident, now: number, why: string): void {
    child.parentId = null;
    child.nextEscalationAt = child.state === 'open' && child.level < 3 ? now + this.opts.escalationMs(child.class) : null;
    this.save(child, now);
    this.store.addTimeline(child.id, now, 'observation', why);
  }

  private mustGet(id: string): Incident {
    const i = this.store.get(id);
    if (!i) throw new VigilError('NOT_FOUND', `no incident "${id}"`);
    return i;
  }

  /** Writes a changed incident after checking the manager's rules. */
  private save(i: Incident, now: number): void {
    i.updatedAt = now;
    this.check(i);
    this.store.update(i);
  }

  /**
   * An open incident below level 3 that no active incident explains must have an
   * escalation deadline, or it would never page.
   */
  private check(i: Incident): void {
    if (i.state !== 'open' || i.level >= 3 || i.nextEscalationAt !== null) return;
    if (i.parentId === null || !this.activeParent(i.parentId, i.id)) {
      throw new IncidentInvariantError(i.id, 'an open incident below level 3 without an active parent has an escalation deadline');
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      try {
        this.tick();
      } catch (err) {
        // The store guard logs a full disk once; the next tick tries again.
        if (isStoreCondition(err)) this.log.debug({ err: err.message }, 'incident tick could not write the store');
        else this.log.error({ err }, 'incident tick failed');
      }
      this.schedule();
    }, this.opts.tickMs);
  }

  /**
   * Runs fn in a transaction (joining the one under way, if any); once the outermost one
   * has committed, wakes the publisher and runs the work deferred with later(). If it
   * rolls back, nothing deferred runs: no listener hears of a change that never happened.
   */
  private tx(fn: () => void): void {
    if (this.afterCommit) {
      this.db.transaction(fn)();
      return;
    }
    const deferred: (() => void)[] = [];
    this.afterCommit = deferred;
    try {
      const write = () => this.db.transaction(fn)();
      if (this.opts.storeGuard) this.opts.storeGuard.run('incident change', write);
      else write();
    } finally {
      this.afterCommit = undefined;
    }
    this.sink.kick();
    for (const f of deferred) {
      try {
        f();
      } catch (err) {
        this.log.error({ err }, 'incident listener failed');
      }
    }
  }

  private later(f: () => void): void {
    if (this.afterCommit) this.afterCommit.push(f);
    else f();
  }

  private emit(i: Incident, event: IncidentEventName, reason: string): void {
    const now = this.clock.now();
    const silenced = this.isSilenced(i, now) !== undefined;
    this.sink.enqueue(incidentSubject(event, i.hostId), incidentEvent(i, event, { source: this.opts.source, apiBase: this.opts.apiBase, at: now, silenced, reason }));
    // Listeners see the incident as it was at this change, after the commit.
    const snapshot: Incident = { ...i, conditionChanges: [...i.conditionChanges] };
    for (const fn of this.listeners) this.later(() => fn(snapshot, event));
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
        this.log.error({ err, incident: i.id, incidentLevel: level }, 'level action failed');
        try {
          this.note(i.id, 'action', `level ${level} action failed: ${(err as Error).message}`);
        } catch (noteErr) {
          // A full disk: the log line above is the record.
          this.log.debug({ err: noteErr }, 'could not note the failed level action');
        }
      });
  }
}

/** The subject a raise names: its own when given (checked against the key), else the key's. */
function resolveSubject(input: RaiseInput): IncidentSubject {
  const service = input.service ?? '';
  if (!input.subject) return subjectFromKey(input.hostId, service);
  const key = subjectKey(input.subject);
  if (key.hostId !== input.hostId || key.service !== service) {
    throw new VigilError('INTERNAL', `raise: subject ${JSON.stringify(input.subject)} does not match hostId "${input.hostId}" and service "${service}"`);
  }
  return input.subject;
}
