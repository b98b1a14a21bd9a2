import type { ProblemClass } from '@vigil/shared';
import type { IncidentSubject } from './subject.js';

export type IncidentState = 'open' | 'acknowledged' | 'resolved';
export type Level = 1 | 2 | 3;

/** Runbook section 5's fields for a cause found in the logs. */
export interface RootCause {
  cause: string;
  diagnosis: string;
  fix: string;
  prevention: string;
  excerpt: string;
  source: string;
  service: string;
}

export interface Incident {
  id: string;
  /** A host id, or a pseudo-host (`zone:<zone>`, `coordinator:<id>`): see `subject`. */
  hostId: string;
  /** '' for an incident about the host itself. */
  service: string;
  /** What the incident is about; stored with the row, never guessed from `hostId`. */
  subject: IncidentSubject;
  class: ProblemClass;
  state: IncidentState;
  level: Level;
  confidence: number;
  summary: string;
  rootCause: RootCause | null;
  diagnosis: unknown;
  openedAt: number;
  updatedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  resolution: string | null;
  /** When it moves up a level if still unresolved; null when it will not (acked, level 3, suppressed). */
  nextEscalationAt: number | null;
  /** Since when its condition has been clear; it resolves after the settle window. */
  clearSince: number | null;
  /** The incident that explains this one (host down, zone down): this one is not escalated on its own. */
  parentId: string | null;
  predictionId: string | null;
  /** Its condition toggled often within the flap window (see flapping.ts). */
  flapping: boolean;
  /** Times its condition changed (present <-> clear) within the flap window, oldest first. */
  conditionChanges: number[];
}

export type TimelineKind =
  | 'opened'
  | 'observation'
  | 'decision'
  | 'action'
  | 'agent_event'
  | 'notification'
  | 'human'
  | 'escalated'
  | 'root_cause'
  | 'suppressed'
  | 'silenced'
  | 'prediction'
  | 'condition_clear'
  | 'flapping'
  | 'resolved';

export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  summary: string;
  data: unknown;
}

export interface Silence {
  id: string;
  hostId: string | null;
  service: string | null;
  class: string | null;
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
  createdAt: number;
  expiredAt: number | null;
}
