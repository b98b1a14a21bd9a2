import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capAgentEventText, fitAgentEvent } from '@vigil/shared';

/** One journaled event, as it goes on the wire (AgentEvent). */
export interface JournaledEvent {
  eventSeq: number;
  atMs: number;
  service: string;
  type: string;
  step: string;
  detail: string;
  cause: string;
  requestId: string;
  /** recovery_succeeded only: time to serving and time to verified (AgentEvent fields 20, 21). */
  timeToServingMs?: number;
  timeToVerifiedMs?: number;
}

export interface EventJournalOptions {
  /** Unacknowledged events kept; beyond this the oldest are dropped and counted. @default 10000 */
  maxEvents: number;
}

/**
 * The agent's durable record of service and recovery events until the coordinator
 * acknowledges them. Sequence numbers continue across agent restarts (they live in the
 * file), so a coordinator that was away receives every event once: it remembers the last
 * sequence number it stored and the agent replays what came after.
 *
 * Format: `events.jsonl`, one JSON event per line, plus `events.ack` holding the highest
 * acknowledged sequence number. Appends are synchronous: an event is on disk before it is
 * sent. The file is rewritten without acknowledged events when they make up most of it.
 */
export class EventJournal {
  private readonly file: string;
  private readonly ackFile: string;
  private events: JournaledEvent[] = [];
  private nextSeq = 1;
  private acked = 0;
  private linesInFile = 0;
  private dropped = 0;
  private readonly refused: string[] = [];

  constructor(
    dir: string,
    private readonly opts: EventJournalOptions = { maxEvents: 10_000 },
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, 'events.jsonl');
    this.ackFile = join(dir, 'events.ack');
    this.load();
  }

  private load(): void {
    if (existsSync(this.ackFile)) this.acked = Number(readFileSync(this.ackFile, 'utf8').trim()) || 0;
    if (!existsSync(this.file)) return;
    const lines = readFileSync(this.file, 'utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      this.linesInFile++;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        // A torn last line after a crash: the event was never sent, drop it.
        continue;
      }
      // The coordinator refuses what breaks the contract, and a refused event sent first
      // on every reconnect would wedge the host: over-long text is cut, anything else
      // (a sequence number such as 1e300) is skipped and reported, never sent.
      const fitted = fitAgentEvent(raw);
      if (!fitted.ok) {
        this.refused.push(`${this.file} line ${i + 1}: ${fitted.problem}`);
        continue;
      }
      const e: JournaledEvent = fitted.event;
      this.nextSeq = Math.max(this.nextSeq, e.eventSeq + 1);
      if (e.eventSeq > this.acked) this.events.push(e);
    }
    this.nextSeq = Math.max(this.nextSeq, this.acked + 1);
  }

  /** Journals an event and returns it with its sequence number. */
  append(e: Omit<JournaledEvent, 'eventSeq'>): JournaledEvent {
    const ev: JournaledEvent = capAgentEventText({ ...e, eventSeq: this.nextSeq++ });
    appendFileSync(this.file, `${JSON.stringify(ev)}\n`);
    this.linesInFile++;
    this.events.push(ev);
    if (this.events.length > this.opts.maxEvents) {
      const drop = this.events.length - this.opts.maxEvents;
      this.events.splice(0, drop);
      this.dropped += drop;
    }
    return ev;
  }

  /** The coordinator stored everything up to `seq`. */
  ack(seq: number): void {
    if (seq <= this.acked) return;
    this.acked = seq;
    this.events = this.events.filter((e) => e.eventSeq > seq);
    writeFileSync(this.ackFile, `${seq}\n`);
    if (this.linesInFile > 64 && this.events.length * 2 < this.linesInFile) this.compact();
  }

  /** Events the coordinator has not stored yet, after `afterSeq`, oldest first. */
  pendingAfter(afterSeq: number): JournaledEvent[] {
    return this.events.filter((e) => e.eventSeq > afterSeq);
  }

  get pending(): number {
    return this.events.length;
  }

  get lastAcked(): number {
    return this.acked;
  }

  /** Journal lines skipped at load because the contract would refuse them, one line each. */
  get refusedLines(): readonly string[] {
    return this.refused;
  }

  /** Events dropped because the journal was full while the coordinator was away. */
  get droppedCount(): number {
    return this.dropped;
  }

  private compact(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, this.events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    renameSync(tmp, this.file);
    this.linesInFile = this.events.length;
  }
}
