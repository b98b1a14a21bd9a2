import { fitAgentEvent } from '@vigil/shared';
import type { JournaledEvent } from './event-journal.js';

/** The event type that stands in for an event the journal lost (see parseJournal). */
export const EVENT_LOST = 'event_lost';

/** Most `event_lost` markers made at one load; beyond, the coordinator's gap record tells the rest. */
export const MAX_LOST_MARKERS = 1000;

export interface ParsedJournal {
  /** Unacknowledged events (seq > acked), markers included, in sequence order. */
  events: JournaledEvent[];
  /** Highest sequence number seen in the file (0 if none). */
  maxSeq: number;
  /** Non-empty lines in the file. */
  lines: number;
  /** A torn last line (a crash during an append): skipped, never sent; `offset` is where it starts, in bytes. */
  torn: { line: number; offset: number } | undefined;
  /** Lines before the last that are no JSON: reported at error, one entry each. */
  damaged: string[];
  /** JSON lines the contract refuses (e.g. eventSeq 1e300): reported at warn, one entry each. */
  refused: string[];
  /** Sequence numbers filled with an `event_lost` marker. */
  lost: number[];
}

/**
 * Parses `events.jsonl`. Only the last non-empty line may be torn quietly: an append is
 * one write, so a crash can cut only the newest line, whose event was never sent (the
 * write comes before the send) and whose number is given out again. A bad line anywhere
 * else is damage (a bad sector, a partial write that later appends ran past, a hand edit),
 * and the event on it was probably sent already or is lost: it is reported, never skipped
 * silently.
 *
 * How the coordinator learns of it: the journal holds every event after the acked one,
 * in order, so a number missing between two good neighbours (or between the ack and the
 * first good line) is exactly a lost event. It gets an `event_lost` marker under that
 * number, sent like any event. If the coordinator already stored the real event under
 * that number, the marker is a duplicate and ignored; if not, the host's timeline shows
 * the loss with the file and line instead of a silent hole. A lost event that cannot be
 * placed (more than MAX_LOST_MARKERS) still shows at the coordinator as a gap in the
 * sequence.
 */
export function parseJournal(text: string, acked: number, file: string, now: number): ParsedJournal {
  const rawLines = text.split('\n');
  let lastNonEmpty = -1;
  for (let i = rawLines.length - 1; i >= 0; i--) {
    if (rawLines[i]!.trim()) {
      lastNonEmpty = i;
      break;
    }
  }
  const out: ParsedJournal = { events: [], maxSeq: 0, lines: 0, torn: undefined, damaged: [], refused: [], lost: [] };
  /** Bad lines since the previous good one: what a missing number is blamed on. */
  let badSince: number[] = [];
  let prevSeq = acked;
  let prevAt = 0;
  for (const [i, line] of rawLines.entries()) {
    if (!line.trim()) continue;
    out.lines++;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      if (i === lastNonEmpty) out.torn = { line: i + 1, offset: i === 0 ? 0 : Buffer.byteLength(rawLines.slice(0, i).join('\n')) + 1 };
      else {
        out.damaged.push(`${file} line ${i + 1}: not a JSON event (${JSON.stringify(line.slice(0, 60))}${line.length > 60 ? '…' : ''})`);
        badSince.push(i + 1);
      }
      continue;
    }
    // The coordinator refuses what breaks the contract, and a refused event sent first
    // on every reconnect would wedge the host: over-long text is cut, anything else
    // (a sequence number such as 1e300) is skipped and reported, never sent.
    const fitted = fitAgentEvent(raw);
    if (!fitted.ok) {
      out.refused.push(`${file} line ${i + 1}: ${fitted.problem}`);
      badSince.push(i + 1);
      continue;
    }
    const e: JournaledEvent = fitted.event;
    out.maxSeq = Math.max(out.maxSeq, e.eventSeq);
    if (e.eventSeq <= prevSeq) continue; // acked, or a copy written again after a failed append
    for (let s = prevSeq + 1; s < e.eventSeq && out.lost.length < MAX_LOST_MARKERS; s++) {
      out.lost.push(s);
      out.events.push(lostMarker(s, prevAt || e.atMs || now, file, badSince));
    }
    out.events.push(e);
    prevSeq = e.eventSeq;
    prevAt = e.atMs;
    badSince = [];
  }
  return out;
}

function lostMarker(seq: number, atMs: number, file: string, badLines: readonly number[]): JournaledEvent {
  const why =
    badLines.length > 0
      ? `the agent's journal ${file} had damaged line${badLines.length > 1 ? 's' : ''} ${badLines.join(', ')} where it was`
      : `it is missing from the agent's journal ${file}`;
  return { eventSeq: seq, atMs, service: '', type: EVENT_LOST, step: '', detail: `event ${seq} is lost: ${why}`.slice(0, 2048), cause: '', requestId: '' };
}
