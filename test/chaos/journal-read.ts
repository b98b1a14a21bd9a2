import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What each agent journaled, gathered from its data dir while the run goes on: the agent
 * compacts acknowledged events out of `events/events.jsonl`, so the file is read often
 * and every event ever seen is kept. Only `eventSeq`, `type` and `atMs` are read from a
 * line and anything else in the folder (an ack file in another shape, an epoch file) is
 * left alone, so the reader survives changes to the journal's format around the events.
 */

export interface JournaledEvent {
  eventSeq: number;
  type: string;
  atMs: number;
}

/** Pure: the events of one `events.jsonl` text; a torn or foreign line is skipped. */
export function parseJournal(text: string): JournaledEvent[] {
  const out: JournaledEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    const e = v as Partial<JournaledEvent>;
    if (typeof e.eventSeq === 'number' && Number.isSafeInteger(e.eventSeq) && e.eventSeq > 0 && typeof e.type === 'string' && typeof e.atMs === 'number') {
      out.push({ eventSeq: e.eventSeq, type: e.type, atMs: e.atMs });
    }
  }
  return out;
}

/** Pure: the acknowledged sequence number in an ack file: a bare number, or a JSON object with one. */
export function parseAck(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  try {
    const v = JSON.parse(t) as Record<string, unknown>;
    for (const k of ['seq', 'acked', 'lastAcked', 'ack', 'eventSeq']) if (typeof v[k] === 'number') return v[k] as number;
  } catch {
    // not JSON: nothing to learn
  }
  return 0;
}

export class JournalTracker {
  /** host → seq → the event as first seen. */
  readonly seen = new Map<string, Map<number, JournaledEvent>>();
  /** host → highest acknowledged sequence number seen. */
  readonly acked = new Map<string, number>();
  /** One sequence number journaled twice with different events: a journal reused a number. */
  readonly conflicts: string[] = [];

  constructor(private readonly dataDirs: ReadonlyMap<string, string>) {}

  /** Reads every agent's journal once. */
  sample(): void {
    for (const [host, dataDir] of this.dataDirs) {
      const dir = join(dataDir, 'events');
      const file = join(dir, 'events.jsonl');
      const ackFile = join(dir, 'events.ack');
      let events: JournaledEvent[] = [];
      try {
        if (existsSync(file)) events = parseJournal(readFileSync(file, 'utf8'));
        if (existsSync(ackFile)) this.acked.set(host, Math.max(this.acked.get(host) ?? 0, parseAck(readFileSync(ackFile, 'utf8'))));
      } catch {
        // mid-rename during a compaction: the next sample reads it
        continue;
      }
      let known = this.seen.get(host);
      if (!known) this.seen.set(host, (known = new Map()));
      for (const e of events) {
        const before = known.get(e.eventSeq);
        if (!before) known.set(e.eventSeq, e);
        else if (before.type !== e.type || before.atMs !== e.atMs) {
          this.conflicts.push(`${host} seq ${e.eventSeq}: ${before.type}@${before.atMs} then ${e.type}@${e.atMs}`);
          known.set(e.eventSeq, e);
        }
      }
    }
  }

  /** The highest sequence number a host's agent is known to have journaled. */
  highest(host: string): number {
    const seqs = [...(this.seen.get(host)?.keys() ?? [])];
    return Math.max(0, this.acked.get(host) ?? 0, ...seqs);
  }
}
