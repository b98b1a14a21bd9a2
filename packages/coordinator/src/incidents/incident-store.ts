import type { Db } from '../store/db.js';
import { SUBJECT_KINDS, subjectFromKey, subjectFromRow, type SubjectKind } from './subject.js';
import type { Incident, IncidentState, Silence, TimelineEntry, TimelineKind } from './types.js';

type Stored = Exclude<keyof Incident, 'subject'>;

const COLUMNS: [Stored, string, 'json' | 'plain' | 'bool'][] = [
  ['id', 'id', 'plain'],
  ['hostId', 'host_id', 'plain'],
  ['service', 'service', 'plain'],
  ['class', 'class', 'plain'],
  ['state', 'state', 'plain'],
  ['level', 'level', 'plain'],
  ['confidence', 'confidence', 'plain'],
  ['summary', 'summary', 'plain'],
  ['rootCause', 'root_cause', 'json'],
  ['diagnosis', 'diagnosis', 'json'],
  ['openedAt', 'opened_at', 'plain'],
  ['updatedAt', 'updated_at', 'plain'],
  ['acknowledgedAt', 'acknowledged_at', 'plain'],
  ['acknowledgedBy', 'acknowledged_by', 'plain'],
  ['resolvedAt', 'resolved_at', 'plain'],
  ['resolvedBy', 'resolved_by', 'plain'],
  ['resolution', 'resolution', 'plain'],
  ['nextEscalationAt', 'next_escalation_at', 'plain'],
  ['clearSince', 'clear_since', 'plain'],
  ['parentId', 'parent_id', 'plain'],
  ['predictionId', 'prediction_id', 'plain'],
  ['flapping', 'flapping', 'bool'],
  ['conditionChanges', 'condition_changes', 'json'],
];

function fromRow(r: Record<string, unknown>): Incident {
  const out: Record<string, unknown> = {};
  for (const [key, col, kind] of COLUMNS) {
    const v = r[col];
    out[key] = kind === 'json' ? (v === null || v === undefined ? null : JSON.parse(v as string)) : kind === 'bool' ? v === 1 : (v ?? null);
  }
  const kind = r.subject_kind as SubjectKind | undefined;
  const i = out as unknown as Incident;
  i.conditionChanges ??= [];
  i.subject = kind && SUBJECT_KINDS.includes(kind) ? subjectFromRow(kind, i.hostId, i.service) : subjectFromKey(i.hostId, i.service);
  return i;
}

function toParams(i: Incident): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, col, kind] of COLUMNS) out[col] = kind === 'json' ? (i[key] === null ? null : JSON.stringify(i[key])) : kind === 'bool' ? (i[key] ? 1 : 0) : i[key];
  out.subject_kind = i.subject.kind;
  return out;
}

export interface IncidentFilter {
  state?: IncidentState;
  hostId?: string;
  class?: string;
  level?: number;
  limit?: number;
}

/** Incidents, their timelines and silences in SQLite. Callers wrap writes in transactions. */
export class IncidentStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    const cols = [...COLUMNS.map(([, c]) => c), 'subject_kind'];
    this.stmts = {
      insert: db.prepare(`INSERT INTO incidents (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`),
      update: db.prepare(`UPDATE incidents SET ${cols.filter((c) => c !== 'id').map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`),
      get: db.prepare('SELECT * FROM incidents WHERE id = ?'),
      active: db.prepare("SELECT * FROM incidents WHERE host_id = ? AND service = ? AND class = ? AND state != 'resolved'"),
      activeForHost: db.prepare("SELECT * FROM incidents WHERE host_id = ? AND state != 'resolved' ORDER BY opened_at"),
      allActive: db.prepare("SELECT * FROM incidents WHERE state != 'resolved' ORDER BY opened_at"),
      countActive: db.prepare("SELECT state, class, level, count(*) AS count FROM incidents WHERE state != 'resolved' GROUP BY state, class, level"),
      // An incident whose condition is clear (settling) does not move up: nobody is woken,
      // and no reboot is requested, for a host that came back a moment before its deadline.
      // A flapping incident is the exception: its clear moments are part of the outage, so
      // they neither pause nor reset its deadline.
      due: db.prepare(
        "SELECT * FROM incidents WHERE state = 'open' AND (clear_since IS NULL OR flapping = 1) AND next_escalation_at IS NOT NULL AND next_escalation_at <= ? ORDER BY next_escalation_at",
      ),
      flapping: db.prepare("SELECT * FROM incidents WHERE flapping = 1 AND state != 'resolved'"),
      settled: db.prepare("SELECT * FROM incidents WHERE state != 'resolved' AND clear_since IS NOT NULL AND clear_since <= ?"),
      children: db.prepare("SELECT * FROM incidents WHERE parent_id = ? AND state != 'resolved'"),
      addTimeline: db.prepare('INSERT INTO incident_timeline (incident_id, at, kind, summary, data) VALUES (?, ?, ?, ?, ?)'),
      timeline: db.prepare('SELECT at, kind, summary, data FROM incident_timeline WHERE incident_id = ? ORDER BY id'),
      addSilence: db.prepare(
        'INSERT INTO silences (id, host_id, service, class, starts_at, ends_at, comment, created_by, created_at) VALUES (@id, @hostId, @service, @class, @startsAt, @endsAt, @comment, @createdBy, @createdAt)',
      ),
      silences: db.prepare('SELECT * FROM silences WHERE expired_at IS NULL AND ends_at > ? ORDER BY starts_at'),
      getSilence: db.prepare('SELECT * FROM silences WHERE id = ?'),
      expireSilence: db.prepare('UPDATE silences SET expired_at = ? WHERE id = ? AND expired_at IS NULL'),
    };
  }

  insert(i: Incident): void {
    this.stmts.insert.run(toParams(i));
  }

  update(i: Incident): void {
    this.stmts.update.run(toParams(i));
  }

  get(id: string): Incident | undefined {
    const r = this.stmts.get.get(id) as Record<string, unknown> | undefined;
    return r ? fromRow(r) : undefined;
  }

  findActive(hostId: string, service: string, cls: string): Incident | undefined {
    const r = this.stmts.active.get(hostId, service, cls) as Record<string, unknown> | undefined;
    return r ? fromRow(r) : undefined;
  }

  activeForHost(hostId: string): Incident[] {
    return (this.stmts.activeForHost.all(hostId) as Record<string, unknown>[]).map(fromRow);
  }

  allActive(): Incident[] {
    return (this.stmts.allActive.all() as Record<string, unknown>[]).map(fromRow);
  }

  /** Active incidents counted by state, class and level, for /metrics. */
  countActive(): { state: IncidentState; class: string; level: number; count: number }[] {
    return this.stmts.countActive.all() as { state: IncidentState; class: string; level: number; count: number }[];
  }

  due(now: number): Incident[] {
    return (this.stmts.due.all(now) as Record<string, unknown>[]).map(fromRow);
  }

  activeFlapping(): Incident[] {
    return (this.stmts.flapping.all() as Record<string, unknown>[]).map(fromRow);
  }

  settledBefore(t: number): Incident[] {
    return (this.stmts.settled.all(t) as Record<string, unknown>[]).map(fromRow);
  }

  children(parentId: string): Incident[] {
    return (this.stmts.children.all(parentId) as Record<string, unknown>[]).map(fromRow);
  }

  /**
   * Incidents by state, class, level and host. A host's incidents come with every incident
   * that explains or explained one of them (its zone, the observer partition, up the
   * chain): the link is the parent id, or for a child released when its parent resolved,
   * the timeline entry that recorded the grouping.
   */
  list(f: IncidentFilter): Incident[] {
    const where: string[] = [];
    const params: unknown[] = [];
    let with_ = '';
    if (f.hostId) {
      with_ = `WITH RECURSIVE related(id) AS (
        SELECT id FROM incidents WHERE host_id = ?
        UNION SELECT i.parent_id FROM incidents i JOIN related r ON i.id = r.id WHERE i.parent_id IS NOT NULL
        UNION SELECT json_extract(t.data, '$.parentId') FROM incident_timeline t JOIN related r ON t.incident_id = r.id
          WHERE t.kind = 'suppressed' AND json_extract(t.data, '$.parentId') IS NOT NULL
      ) `;
      params.push(f.hostId);
      where.push('id IN (SELECT id FROM related)');
    }
    if (f.state) (where.push('state = ?'), params.push(f.state));
    if (f.class) (where.push('class = ?'), params.push(f.class));
    if (f.level) (where.push('level = ?'), params.push(f.level));
    const sql = `${with_}SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC LIMIT ?`;
    params.push(f.limit ?? 200);
    return (this.db.prepare(sql).all(...params) as Record<string, unknown>[]).map(fromRow);
  }

  addTimeline(incidentId: string, at: number, kind: TimelineKind, summary: string, data?: unknown): void {
    this.stmts.addTimeline.run(incidentId, at, kind, summary, data === undefined ? null : JSON.stringify(data));
  }

  timeline(incidentId: string): TimelineEntry[] {
    return (this.stmts.timeline.all(incidentId) as { at: number; kind: TimelineKind; summary: string; data: string | null }[]).map((r) => ({
      at: r.at,
      kind: r.kind,
      summary: r.summary,
      data: r.data === null ? null : JSON.parse(r.data),
    }));
  }

  addSilence(s: Silence): void {
    this.stmts.addSilence.run(s);
  }

  activeSilences(now: number): Silence[] {
    return (this.stmts.silences.all(now) as Record<string, unknown>[]).map(silenceFromRow);
  }

  getSilence(id: string): Silence | undefined {
    const r = this.stmts.getSilence.get(id) as Record<string, unknown> | undefined;
    return r ? silenceFromRow(r) : undefined;
  }

  expireSilence(id: string, at: number): boolean {
    return this.stmts.expireSilence.run(at, id).changes === 1;
  }
}

function silenceFromRow(r: Record<string, unknown>): Silence {
  return {
    id: r.id as string,
    hostId: (r.host_id as string | null) ?? null,
    service: (r.service as string | null) ?? null,
    class: (r.class as string | null) ?? null,
    startsAt: r.starts_at as number,
    endsAt: r.ends_at as number,
    comment: r.comment as string,
    createdBy: r.created_by as string,
    createdAt: r.created_at as number,
    expiredAt: (r.expired_at as number | null) ?? null,
  };
}
