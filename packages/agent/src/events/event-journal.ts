import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { capAgentEventText, EVENT_EPOCH_PATTERN, systemClock, type Clock, type Logger, type TimerHandle } from '@vigil/shared';
import { nodeJournalFs, type JournalFs } from './journal-fs.js';
import { parseJournal } from './journal-parse.js';

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

export type JournalLog = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface EventJournalOptions {
  /** Unacknowledged events kept; beyond this the oldest are dropped and counted. @default 10000 */
  maxEvents: number;
  /** Events kept in memory while the disk refuses writes; beyond this the oldest are dropped and counted. @default 1000 */
  maxHeld: number;
  /** How often writing held events is tried again while the disk refuses them, in ms. @default 5000 */
  retryMs: number;
  /** @default the real file system */
  fs: JournalFs;
  /** @default silent */
  log: JournalLog;
  /** @default the system clock */
  clock: Clock;
  /** Makes the id of a new journal. @default 16 random bytes, base64url */
  newEpoch: () => string;
}

/** Whether the disk takes the journal's writes: one warn when it stops, one line when it takes them again. */
type DiskState = { type: 'writing' } | { type: 'refusing'; since: number; error: string; dropped: number };

const silent: JournalLog = { info: () => {}, warn: () => {}, error: () => {} } as unknown as JournalLog;

/**
 * The agent's durable record of service and recovery events until the coordinator
 * acknowledges them. Sequence numbers continue across agent restarts (they live in the
 * file) within the journal's epoch, so a coordinator that was away receives every event
 * once: it remembers the last sequence number it stored for the epoch and the agent
 * replays what came after. A new journal (first start, a lost or wiped data dir) gets a
 * new epoch, so its numbers starting at 1 again are a new sequence, not a replay.
 *
 * Format: `events.jsonl`, one JSON event per line; `events.ack` holding the highest
 * acknowledged sequence number; `events.epoch` holding the journal's id. Appends are
 * synchronous: an event is on disk before it is sent. The file is rewritten without
 * acknowledged events when they make up most of it.
 *
 * A full disk loses nothing it can keep: an event that cannot be written is held in
 * memory (bounded), sent like any other, and written once the disk takes writes again
 * (on the next append or ack, or every `retryMs`). No method throws on a failed write: a
 * recovery step must not fail because the disk is full.
 */
export class EventJournal {
  private readonly file: string;
  private readonly ackFile: string;
  private readonly epochFile: string;
  private readonly opts: EventJournalOptions;
  private readonly fs: JournalFs;
  private readonly log: JournalLog;
  private epochId = '';
  private epochUnsaved = false;
  /** The events file went missing beside a kept epoch file: a new epoch from 1. */
  private wiped = false;
  /** Unacknowledged events in sequence order: those on disk, then those held in memory. */
  private events: JournaledEvent[] = [];
  /** Events not on disk yet, a suffix of `events` (held ones go to disk in order). */
  private held: JournaledEvent[] = [];
  private nextSeq = 1;
  private acked = 0;
  private ackUnsaved = false;
  private linesInFile = 0;
  /** Length of the file's whole lines: a failed append is cut back to it. */
  private bytes = 0;
  /**
   * What the file holds beyond its whole lines at load: a torn last line is cut before the
   * next append (appended to, it would become a damaged line in the middle); a last line
   * without its newline gets one.
   */
  private tail: 'clean' | 'torn' | 'unterminated' = 'clean';
  private dropped = 0;
  private heldDropped = 0;
  private disk: DiskState = { type: 'writing' };
  private retryTimer: TimerHandle | undefined;
  private readonly refused: string[] = [];
  private readonly damaged: string[] = [];
  private lost: number[] = [];
  /** The first number this process gave out (set after load), and whether a coordinator has welcomed it yet. */
  private firstOwnSeq = 1;
  private welcomed = false;

  constructor(dir: string, options: Partial<EventJournalOptions> = {}) {
    this.opts = {
      maxEvents: 10_000,
      maxHeld: 1_000,
      retryMs: 5_000,
      fs: nodeJournalFs,
      log: silent,
      clock: systemClock,
      newEpoch: () => randomBytes(16).toString('base64url'),
      ...options,
    };
    this.fs = this.opts.fs;
    this.log = this.opts.log;
    this.fs.mkdir(dir);
    this.file = join(dir, 'events.jsonl');
    this.ackFile = join(dir, 'events.ack');
    this.epochFile = join(dir, 'events.epoch');
    this.openEpoch();
    this.load();
    this.firstOwnSeq = this.nextSeq;
    this.writePending();
  }

  /**
   * The journal's identity. Kept when the journal is: a journal from before epochs (events
   * or an ack, no epoch file) gets one and keeps its numbering. An epoch file without the
   * events file beside it means the events were wiped: a new epoch, numbered from 1.
   */
  private openEpoch(): void {
    const stored = this.fs.exists(this.epochFile) ? this.fs.read(this.epochFile).trim() : undefined;
    const hasEvents = this.fs.exists(this.file);
    const usable = stored !== undefined && stored !== '' && EVENT_EPOCH_PATTERN.test(stored);
    if (usable && hasEvents) {
      this.epochId = stored;
      return;
    }
    this.epochId = this.opts.newEpoch();
    this.epochUnsaved = true;
    const log = { file: this.epochFile, epoch: this.epochId };
    if (usable) {
      // A new epoch owes nothing to the old ack: numbering starts at 1.
      this.wiped = true;
      this.log.warn(log, `event journal: ${this.file} is gone beside its epoch file; starting a new epoch, numbered from 1`);
    } else if (stored !== undefined) {
      // The events are still there: they are sent again under the new epoch rather than lost.
      this.log.warn(log, `event journal epoch file holds no epoch id (${JSON.stringify(stored.slice(0, 80))}): given a new epoch, numbering continues`);
    } else if (hasEvents || this.fs.exists(this.ackFile)) {
      this.log.info(log, 'event journal from before epochs: given an epoch, numbering continues');
    }
  }

  private load(): void {
    if (this.wiped) {
      this.ackUnsaved = true;
      return;
    }
    if (this.fs.exists(this.ackFile)) this.acked = Number(this.fs.read(this.ackFile).trim()) || 0;
    this.nextSeq = this.acked + 1;
    if (!this.fs.exists(this.file)) return;
    const text = this.fs.read(this.file);
    const parsed = parseJournal(text, this.acked, this.file, this.opts.clock.now());
    this.bytes = parsed.torn ? parsed.torn.offset : Buffer.byteLength(text);
    if (parsed.torn) this.tail = 'torn';
    else if (text.length > 0 && !text.endsWith('\n')) this.tail = 'unterminated';
    this.events = parsed.events;
    this.linesInFile = parsed.lines;
    this.refused.push(...parsed.refused);
    this.damaged.push(...parsed.damaged);
    this.lost = parsed.lost;
    if (parsed.torn) this.log.info({ file: this.file, line: parsed.torn.line }, 'event journal: skipped a torn last line (an append cut short by a crash; its event was never sent)');
    for (const d of parsed.damaged) this.log.error({ file: this.file, problem: d }, 'event journal line damaged: its event is reported lost');
    for (const r of parsed.refused) this.log.warn({ file: this.file, problem: r }, 'event journal line skipped: the coordinator would refuse it');
    if (parsed.lost.length > 0) {
      this.log.warn({ file: this.file, lost: parsed.lost.length, first: parsed.lost[0] }, `event journal: ${parsed.lost.length} events missing from the journal are sent as event_lost markers`);
    }
    const lastMarker = parsed.lost.at(-1) ?? 0;
    this.nextSeq = Math.max(parsed.maxSeq, this.acked, lastMarker) + 1;
  }

  get epoch(): string {
    return this.epochId;
  }

  /** Journals an event (or holds it in memory if the disk refuses) and returns it with its sequence number. Never throws. */
  append(e: Omit<JournaledEvent, 'eventSeq'>): JournaledEvent {
    const ev: JournaledEvent = capAgentEventText({ ...e, eventSeq: this.nextSeq++ });
    this.events.push(ev);
    this.held.push(ev);
    if (this.held.length > this.opts.maxHeld) {
      const gone = this.held.splice(0, this.held.length - this.opts.maxHeld);
      const goneSeqs = new Set(gone.map((g) => g.eventSeq));
      this.events = this.events.filter((x) => !goneSeqs.has(x.eventSeq));
      this.heldDropped += gone.length;
      if (this.disk.type === 'refusing') {
        if (this.disk.dropped === 0) {
          this.log.warn({ file: this.file, maxHeld: this.opts.maxHeld }, `journal cannot write and ${this.opts.maxHeld} events are held in memory: dropping the oldest (the coordinator records them as a gap)`);
        }
        this.disk.dropped += gone.length;
      }
    }
    if (this.events.length > this.opts.maxEvents) {
      const drop = this.events.length - this.opts.maxEvents;
      const gone = new Set(this.events.splice(0, drop).map((g) => g.eventSeq));
      this.held = this.held.filter((h) => !gone.has(h.eventSeq));
      this.dropped += drop;
    }
    this.writePending();
    return ev;
  }

  /** The coordinator stored everything up to `seq`. Never throws. */
  ack(seq: number): void {
    if (seq <= this.acked) return;
    this.acked = seq;
    this.ackUnsaved = true;
    this.events = this.events.filter((e) => e.eventSeq > seq);
    // Stored by the coordinator: no need to write them any more.
    this.held = this.held.filter((e) => e.eventSeq > seq);
    if (!this.writePending()) return;
    if (this.linesInFile > 64 && this.events.length * 2 < this.linesInFile) this.compact();
  }

  /**
   * A coordinator welcomed the agent with the last sequence number it stored for this
   * epoch. It is acked; and numbering moves past it, since an event under a number the
   * coordinator already has would be taken for a replay and dropped.
   *
   * The coordinator can know more numbers than the file: events held in memory on a full
   * disk, sent and stored, then lost with the previous agent process. This process gave
   * the same numbers out again (to its first events, e.g. the status seen at start) before
   * anything was sent; at the first Welcome those events are renumbered after the
   * coordinator's last, so they are stored instead of taken for replays. After it, every
   * number the coordinator has came from this process.
   */
  welcome(lastEventSeq: number): void {
    if (!this.welcomed) {
      this.welcomed = true;
      if (lastEventSeq >= this.firstOwnSeq) this.renumberOwn(lastEventSeq);
    }
    this.ack(lastEventSeq);
    this.nextSeq = Math.max(this.nextSeq, lastEventSeq + 1);
  }

  private renumberOwn(lastEventSeq: number): void {
    const own = this.events.filter((e) => e.eventSeq >= this.firstOwnSeq);
    if (own.length === 0) return;
    const keep = this.events.filter((e) => e.eventSeq < this.firstOwnSeq);
    let next = lastEventSeq + 1;
    const renumbered = own.map((e) => ({ ...e, eventSeq: next++ }));
    this.log.warn(
      { file: this.file, events: own.length, from: own[0]!.eventSeq, to: renumbered[0]!.eventSeq, coordinatorLast: lastEventSeq },
      `event journal: the coordinator already has numbers up to ${lastEventSeq} from this journal (events the previous agent process held in memory on a full disk); ${own.length} events made since the start are renumbered from ${renumbered[0]!.eventSeq}`,
    );
    this.events = [...keep, ...renumbered];
    this.held = renumbered;
    this.nextSeq = next;
    // The file loses the old numbers; the renumbered events are appended again.
    const data = keep.map((e) => `${JSON.stringify(e)}\n`).join('');
    try {
      this.replace(this.file, data);
      this.bytes = Buffer.byteLength(data);
      this.linesInFile = keep.length;
      this.tail = 'clean';
    } catch (err) {
      // Left with the old numbers on disk: a restart before space returns renumbers again.
      this.refusing(err);
    }
    this.writePending();
  }

  /** Writes what is held in memory, if the disk takes it now. True when nothing is left to write. */
  retry(): boolean {
    return this.writePending();
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

  /** Lines before the last that were no event at load (damage), one line each. */
  get damagedLines(): readonly string[] {
    return this.damaged;
  }

  /** Sequence numbers found missing at load and sent as `event_lost` markers. */
  get lostSeqs(): readonly number[] {
    return this.lost;
  }

  /** Events dropped because the journal was full while the coordinator was away. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Events held in memory now because the disk refused them. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Events dropped because more than `maxHeld` waited for the disk. */
  get heldDroppedCount(): number {
    return this.heldDropped;
  }

  /** Stops the retry timer. */
  close(): void {
    if (this.retryTimer !== undefined) this.opts.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Epoch, held events and ack, in that order; false (and a retry scheduled) when the disk refused. */
  private writePending(): boolean {
    if (!this.epochUnsaved && this.held.length === 0 && !this.ackUnsaved) return true;
    try {
      if (this.epochUnsaved) {
        // The events file first: an epoch file without it means "events wiped" (openEpoch).
        this.fs.append(this.file, '');
        this.replace(this.epochFile, `${this.epochId}\n`);
        this.epochUnsaved = false;
      }
      if (this.tail === 'torn') {
        this.fs.truncate(this.file, this.bytes);
        this.tail = 'clean';
      }
      if (this.held.length > 0) {
        const data = (this.tail === 'unterminated' ? '\n' : '') + this.held.map((e) => `${JSON.stringify(e)}\n`).join('');
        this.fs.append(this.file, data);
        this.bytes += Buffer.byteLength(data);
        this.linesInFile += this.held.length;
        this.held = [];
        this.tail = 'clean';
      }
      if (this.ackUnsaved) {
        this.replace(this.ackFile, `${this.acked}\n`);
        this.ackUnsaved = false;
      }
    } catch (err) {
      this.refusing(err);
      return false;
    }
    this.writing();
    return true;
  }

  /** Whole-file writes go through a temporary file: a full disk leaves the old one intact. */
  private replace(path: string, data: string): void {
    const tmp = `${path}.tmp`;
    try {
      this.fs.write(tmp, data);
      this.fs.rename(tmp, path);
    } catch (err) {
      try {
        this.fs.truncate(tmp, 0);
      } catch {
        // nothing to give back
      }
      throw err;
    }
  }

  private refusing(err: unknown): void {
    // A failed append can leave part of a line; cut back to whole lines so the retry
    // does not put a damaged line in the middle of the file.
    try {
      if (this.fs.size(this.file) > this.bytes) this.fs.truncate(this.file, this.bytes);
    } catch {
      // the retry's lines follow the partial one; the load reports it as damaged
    }
    if (this.disk.type === 'writing') {
      const error = err instanceof Error ? err.message : String(err);
      this.disk = { type: 'refusing', since: this.opts.clock.now(), error, dropped: 0 };
      this.log.warn({ file: this.file, held: this.held.length, maxHeld: this.opts.maxHeld }, `journal cannot write: ${error}; ${this.held.length} events held in memory`);
    }
    if (this.retryTimer === undefined) {
      this.retryTimer = this.opts.clock.setTimeout(() => {
        this.retryTimer = undefined;
        this.writePending();
      }, this.opts.retryMs);
    }
  }

  private writing(): void {
    if (this.disk.type !== 'refusing') return;
    const { since, dropped } = this.disk;
    this.disk = { type: 'writing' };
    this.close();
    const figures = { file: this.file, refusedForMs: this.opts.clock.now() - since, dropped };
    if (dropped > 0) this.log.warn(figures, `journal writes again; ${dropped} events were dropped from memory while it could not`);
    else this.log.info(figures, 'journal writes again; the events held in memory are written');
  }

  private compact(): void {
    const onDisk = this.events.filter((e) => !this.held.includes(e));
    const data = onDisk.map((e) => `${JSON.stringify(e)}\n`).join('');
    try {
      this.replace(this.file, data);
    } catch {
      // The old file is intact; compaction is tried again on a later ack.
      return;
    }
    this.bytes = Buffer.byteLength(data);
    this.linesInFile = onDisk.length;
    this.tail = 'clean';
  }
}
