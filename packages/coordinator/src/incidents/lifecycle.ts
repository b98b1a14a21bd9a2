import type { IncidentState } from './types.js';

/**
 * The incident lifecycle as one table. An incident is open, acknowledged or resolved; an
 * open or acknowledged one has a condition that is present (the fault is there now) or
 * clear since some time (settling: it resolves once the settle window has passed). Every
 * change of an incident's lifecycle goes through `step()`; the manager applies the result
 * and nothing else decides what is allowed.
 */
export type Condition = { kind: 'present' } | { kind: 'clear'; since: number };

export type Lifecycle =
  | { state: 'open'; condition: Condition }
  | { state: 'acknowledged'; condition: Condition }
  | { state: 'resolved' };

export type LifecycleInput =
  /** The fault is observed (again). */
  | 'present'
  /** The fault is no longer observed; the settle window starts. */
  | 'clear'
  /** Moved up at once for a reason (recovery exhausted, recurrence): the fault is present. */
  | 'escalate'
  /** The escalation deadline passed; says nothing new about the condition. */
  | 'deadline'
  /** A person took it. */
  | 'ack'
  /** The condition stayed clear for the whole settle window. */
  | 'settle'
  /** A person resolved it. */
  | 'resolve'
  /** A person reopened a resolved incident. */
  | 'reopen';

/** Why a request cannot be done in the incident's current state; stable, for clients. */
export type ConflictReason = 'already_acknowledged' | 'already_resolved' | 'not_resolved' | 'not_settling' | 'duplicate_active';

export type Step =
  /** Enter `to`; `levelUp` moves it one level up when below 3. */
  | { kind: 'move'; to: Lifecycle; levelUp: boolean }
  /** Nothing to change: a repeat, or news about an incident that is already over. */
  | { kind: 'ignore'; why: string }
  /** The request contradicts the state: the caller is told (HTTP 409). */
  | { kind: 'conflict'; reason: ConflictReason; why: string };

const move = (to: Lifecycle, levelUp = false): Step => ({ kind: 'move', to, levelUp });
const ignore = (why: string): Step => ({ kind: 'ignore', why });
const conflict = (reason: ConflictReason, why: string): Step => ({ kind: 'conflict', reason, why });

type Active = Extract<Lifecycle, { state: 'open' | 'acknowledged' }>;
type Row = Record<LifecycleInput, (l: never, now: number) => Step>;

const PRESENT: Condition = { kind: 'present' };

/** What open and acknowledged incidents share: the condition's own moves. */
const conditionMoves = {
  present: (l: Active) => (l.condition.kind === 'present' ? ignore('condition already present') : move({ ...l, condition: PRESENT })),
  clear: (l: Active, now: number) => (l.condition.kind === 'clear' ? ignore('condition already clear') : move({ ...l, condition: { kind: 'clear', since: now } })),
  settle: (l: Active) => (l.condition.kind === 'clear' ? move({ state: 'resolved' }) : conflict('not_settling', 'its condition is present; only a clear condition settles')),
  resolve: () => move({ state: 'resolved' }),
  reopen: () => conflict('not_resolved', 'only a resolved incident can be reopened'),
};

export const LIFECYCLE_TABLE: { [S in Lifecycle['state']]: Row } = {
  open: {
    ...conditionMoves,
    escalate: (l: Active) => move({ ...l, condition: PRESENT }, true),
    deadline: (l: Active) => move(l, true),
    ack: (l: Active) => move({ state: 'acknowledged', condition: l.condition }),
  } as Row,
  acknowledged: {
    ...conditionMoves,
    // A person is on it: a recurrence is recorded as present, but nobody else is woken.
    escalate: (l: Active) => (l.condition.kind === 'present' ? ignore('acknowledged: a person is on it') : move({ ...l, condition: PRESENT })),
    deadline: () => ignore('acknowledged incidents escalate no further'),
    ack: () => conflict('already_acknowledged', 'it is already acknowledged'),
  } as Row,
  resolved: {
    present: () => ignore('resolved'),
    clear: () => ignore('resolved'),
    escalate: () => ignore('resolved'),
    deadline: () => ignore('resolved'),
    settle: () => ignore('resolved'),
    ack: () => conflict('already_resolved', 'it is already resolved'),
    resolve: () => conflict('already_resolved', 'it is already resolved'),
    reopen: () => move({ state: 'open', condition: PRESENT }),
  },
};

export function step(l: Lifecycle, input: LifecycleInput, now: number): Step {
  return LIFECYCLE_TABLE[l.state][input](l as never, now);
}

/** The lifecycle an incident row is in. */
export function lifecycleOf(i: { state: IncidentState; clearSince: number | null }): Lifecycle {
  if (i.state === 'resolved') return { state: 'resolved' };
  return { state: i.state, condition: i.clearSince === null ? PRESENT : { kind: 'clear', since: i.clearSince } };
}

/** The row fields a lifecycle is stored as. */
export function rowOf(l: Lifecycle): { state: IncidentState; clearSince: number | null } {
  switch (l.state) {
    case 'resolved':
      return { state: 'resolved', clearSince: null };
    case 'open':
    case 'acknowledged':
      return { state: l.state, clearSince: l.condition.kind === 'clear' ? l.condition.since : null };
  }
}
