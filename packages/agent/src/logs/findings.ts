import { LOG_EXCERPT_MAX_BYTES, systemClock, type Clock, type LogFinding, type LogPatternEntry } from '@vigil/shared';

/** What a finding takes from its row of the root-cause table. */
export type FindingCause = Pick<LogPatternEntry, 'cause' | 'diagnosis' | 'fix' | 'prevention'>;
import { truncateUtf8 } from './utf8.js';

export interface FindingsOptions {
  /**
   * Most (service, cause, source) findings kept; beyond it the least recently seen is
   * forgotten. Bounds memory whatever the config adds or a log contains.
   * @default 256
   */
  maxFindings?: number;
  /** @default systemClock */
  clock?: Clock;
}

interface Entry {
  finding: LogFinding;
  changed: boolean;
}

/**
 * Aggregates pattern matches per (service, cause, source) so a cause seen a million
 * times is one finding with a count, and hands out what changed since the last drain.
 */
export class FindingsAggregator {
  private readonly max: number;
  private readonly clock: Clock;
  // Insertion order doubles as recency order: an update moves the entry to the end.
  private readonly entries = new Map<string, Entry>();
  private lostCount = 0;

  constructor(options: FindingsOptions = {}) {
    this.max = options.maxFindings ?? 256;
    this.clock = options.clock ?? systemClock;
    if (!Number.isInteger(this.max) || this.max < 1) throw new RangeError(`maxFindings must be a positive integer (got ${this.max})`);
  }

  /**
   * Counts one match. The excerpt is the latest matching line: the one an operator should
   * look at now; `firstSeenMs` still says when the cause began.
   */
  record(service: string, row: FindingCause, source: string, line: string, at: number = this.clock.now()): void {
    const key = `${service}\u0000${row.cause}\u0000${source}`;
    const entry = this.entries.get(key);
    const excerpt = truncateUtf8(line, LOG_EXCERPT_MAX_BYTES);
    if (entry) {
      const f = entry.finding;
      f.count++;
      f.lastSeenMs = Math.max(f.lastSeenMs, at);
      f.excerpt = excerpt;
      entry.changed = true;
      this.entries.delete(key);
      this.entries.set(key, entry);
      return;
    }
    // skippedLines belongs to the source, not the match: whoever knows the source fills it in.
    const { cause, diagnosis, fix, prevention } = row;
    this.entries.set(key, { finding: { service, cause, source, excerpt, count: 1, firstSeenMs: at, lastSeenMs: at, skippedLines: 0, diagnosis, fix, prevention }, changed: true });
    if (this.entries.size > this.max) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      if (oldest.changed) this.lostCount++;
      this.entries.delete(oldestKey);
    }
  }

  /** Copies of the findings that changed since the previous drain, oldest change first. */
  drain(): LogFinding[] {
    const out: LogFinding[] = [];
    for (const e of this.entries.values()) {
      if (!e.changed) continue;
      e.changed = false;
      out.push({ ...e.finding });
    }
    return out;
  }

  /** Copies of every finding held, whether drained or not. */
  all(): LogFinding[] {
    return [...this.entries.values()].map((e) => ({ ...e.finding }));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Findings forgotten to stay within maxFindings before their last change was drained. */
  get lostFindings(): number {
    return this.lostCount;
  }
}
