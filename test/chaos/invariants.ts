import type { JournaledEvent } from './journal-read.js';
import type { IncidentRow, OutboxEntry, StoredAgentEventRow, TransitionRow } from './store-read.js';

/**
 * The invariants of a chaos run, as pure functions of what was gathered: each returns the
 * breaches it found (empty when it holds), with enough detail to find them in the data.
 */

// ---------------------------------------------------------------- (a) outbox → stream

export interface StreamEntry {
  /** The CloudEvent id in the payload. */
  eventId: string | undefined;
  msgId: string | undefined;
  subject: string;
}

export interface OutboxVerdict {
  /** Committed in the outbox, not in the stream. */
  lost: string[];
  /** In the stream more than once (by CloudEvent id). */
  duplicated: string[];
  /** In the stream without an outbox row: published without being committed. */
  phantom: string[];
  /** Outbox rows still waiting to be published. */
  pending: string[];
}

/**
 * Subjects published straight to NATS by design, never through the outbox: the
 * coordinators' liveness heartbeats (a dead man's switch must hear them even while the
 * store is full) and vigil-notify's delivery receipts. They land in the stream too, and
 * are not judged here.
 */
export const OUTSIDE_OUTBOX = /^vigil\.v1\.(coordinator\.heartbeat|notify)\./;

/**
 * `outbox` is read before the stream, `committedLater` after it: an event committed and
 * published between the reads is in the stream without being a phantom.
 */
export function checkOutbox(outbox: readonly OutboxEntry[], allStream: readonly StreamEntry[], committedLater: readonly OutboxEntry[] = outbox): OutboxVerdict {
  const stream = allStream.filter((m) => !OUTSIDE_OUTBOX.test(m.subject));
  const counts = new Map<string, number>();
  for (const m of stream) if (m.eventId !== undefined) counts.set(m.eventId, (counts.get(m.eventId) ?? 0) + 1);
  const committed = new Set([...outbox, ...committedLater].map((r) => r.eventId));
  return {
    lost: outbox.filter((r) => !counts.has(r.eventId)).map((r) => `${r.eventId} ${r.subject}`),
    duplicated: [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`),
    phantom: stream.filter((m) => m.eventId === undefined || !committed.has(m.eventId)).map((m) => `${m.eventId ?? '(no id)'} ${m.subject}`),
    pending: outbox.filter((r) => !r.published).map((r) => `${r.eventId} ${r.subject}`),
  };
}

// ---------------------------------------------------------------- (b) agent journal → store

export interface AgentEventsVerdict {
  /** Journaled (1..highest), not stored. */
  lost: string[];
  /** Stored more than once for one (host, seq) of the current journal. */
  duplicated: string[];
  /** Stored with another type or time than the journal says. */
  mismatched: string[];
  /** Stored beyond what the agent journaled. */
  beyond: string[];
  /** Hosts whose stored events come from more than one journal, though no data dir was lost. */
  extraJournals: string[];
}

/**
 * Every event a host's agent journaled (sequence numbers 1..highest, contiguous within one
 * journal) is stored once, as journaled. With an `epoch` column, the host's current journal
 * is the epoch of its latest stored event; sequence numbers count within it.
 */
export function checkAgentEvents(
  hosts: readonly string[],
  journal: (host: string) => { seen: ReadonlyMap<number, JournaledEvent>; highest: number },
  stored: readonly StoredAgentEventRow[],
): AgentEventsVerdict {
  const v: AgentEventsVerdict = { lost: [], duplicated: [], mismatched: [], beyond: [], extraJournals: [] };
  for (const host of hosts) {
    const rows = stored.filter((r) => r.hostId === host);
    const epochs = new Set(rows.map((r) => r.epoch));
    let current = rows;
    if (epochs.size > 1) {
      const latest = rows.reduce((a, b) => (b.receivedAt > a.receivedAt ? b : a));
      current = rows.filter((r) => r.epoch === latest.epoch);
      v.extraJournals.push(`${host}: ${epochs.size} journals (${[...epochs].join(', ')})`);
    }
    const bySeq = new Map<number, StoredAgentEventRow[]>();
    for (const r of current) bySeq.set(r.eventSeq, [...(bySeq.get(r.eventSeq) ?? []), r]);
    const { seen, highest } = journal(host);
    for (let seq = 1; seq <= highest; seq++) {
      const got = bySeq.get(seq) ?? [];
      if (got.length === 0) {
        const j = seen.get(seq);
        v.lost.push(`${host} seq ${seq}${j ? ` ${j.type}@${j.atMs}` : ''}`);
        continue;
      }
      if (got.length > 1) v.duplicated.push(`${host} seq ${seq} ×${got.length}`);
      const j = seen.get(seq);
      const r = got[0]!;
      if (j && (j.type !== r.type || j.atMs !== r.atMs)) v.mismatched.push(`${host} seq ${seq}: journal ${j.type}@${j.atMs}, store ${r.type}@${r.atMs}`);
    }
    for (const [seq, got] of bySeq) if (seq > highest) v.beyond.push(`${host} seq ${seq} ${got[0]!.type} (journal ends at ${highest})`);
  }
  return v;
}

// ---------------------------------------------------------------- (c) no false silence

/** A time a host's agent was not running: killed at `from`, started again at `to` (undefined: still down). */
export interface Downtime {
  host: string;
  from: number;
  to: number | undefined;
}

/**
 * A host may be reported silent only while its agent was down or within `graceMs` after
 * it was started again (the new agent still starting and connecting). `silent` transitions
 * outside every downtime of the host are false; so is a host incident (no service) whose
 * opening follows no rightful silence of the host within `diagnosisMs`.
 */
export function checkSilences(
  hosts: readonly string[],
  transitions: readonly TransitionRow[],
  incidents: readonly IncidentRow[],
  downtimes: readonly Downtime[],
  opts: { graceMs: number; diagnosisMs: number },
): { falseSilent: string[]; falseHostIncidents: string[] } {
  const rightful = (host: string, at: number) => downtimes.some((d) => d.host === host && d.from <= at && at <= (d.to ?? Infinity) + opts.graceMs);
  const silences = transitions.filter((t) => t.to === 'silent' && hosts.includes(t.hostId));
  const falseSilent = silences
    .filter((t) => !rightful(t.hostId, t.at))
    .map((t) => `${t.hostId} silent at ${new Date(t.at).toISOString()} (${t.reason}); agent downtimes: ${describeDowntimes(downtimes, t.hostId)}`);
  const falseHostIncidents = incidents
    .filter((i) => hosts.includes(i.hostId) && i.service === '')
    .filter((i) => !silences.some((t) => t.hostId === i.hostId && rightful(t.hostId, t.at) && t.at <= i.openedAt && i.openedAt - t.at <= opts.diagnosisMs))
    .map((i) => `${i.id} ${i.class} on ${i.hostId} opened ${new Date(i.openedAt).toISOString()} after no rightful silence`);
  return { falseSilent, falseHostIncidents };
}

function describeDowntimes(downtimes: readonly Downtime[], host: string): string {
  const mine = downtimes.filter((d) => d.host === host);
  return mine.length === 0 ? 'none' : mine.map((d) => `${new Date(d.from).toISOString()}–${d.to === undefined ? '…' : new Date(d.to).toISOString()}`).join(', ');
}

// ---------------------------------------------------------------- (d) incidents survive restarts

/** Incidents the API listed as not resolved just before the coordinator was killed. */
export interface IncidentsBeforeKill {
  killAt: number;
  ids: readonly string[];
}

/** Every incident open before a kill is still in the store at the end (in any state). */
export function checkIncidentsKept(before: readonly IncidentsBeforeKill[], finalIncidents: readonly IncidentRow[]): string[] {
  const present = new Set(finalIncidents.map((i) => i.id));
  return before.flatMap((b) => b.ids.filter((id) => !present.has(id)).map((id) => `${id} (open before the kill at ${new Date(b.killAt).toISOString()})`));
}
