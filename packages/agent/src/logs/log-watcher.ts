import type { Readable } from 'node:stream';
import { runbookLogMatcher, systemClock, type Clock, type LogFinding, type LogMatcher } from '@vigil/shared';
import { AccessLogMonitor, type AccessLogFigures } from './access-log-monitor.js';
import { FindingsAggregator } from './findings.js';
import { parseJournalLine } from './journal.js';
import { LineSource, type SourceCounters, type SourceLimits } from './line-source.js';
import { FileTailer, type TailerOptions } from './tailer.js';
import { cutUtf8 } from './utf8.js';

export interface LogWatcherOptions extends SourceLimits {
  /** The declared service whose logs these are; stamped on every finding. */
  service: string;
  /** Log files to follow and match against the root-cause patterns. @default [] */
  files?: readonly string[];
  /** An access log (common or combined format) to follow for the 5xx error rate; not pattern-matched. @default undefined */
  accessLog?: string;
  /** @default runbookLogMatcher() */
  matcher?: LogMatcher;
  /** Window of the access-log error rate. @default 300000 (5 min) */
  errorRateWindowMs?: number;
  /** @default 256 */
  maxFindings?: number;
  /** Most distinct fed sources (stdout, journal, ...); a bound on what a caller's mistake can allocate. @default 8 */
  maxFedSources?: number;
  /** Longest journald JSON line accepted before it is parsed. @default 65536 */
  maxJournalLineBytes?: number;
  /** How files are followed (poll interval, read budget, backlog). @default {} */
  tail?: Omit<TailerOptions, 'clock'>;
  /** @default systemClock */
  clock?: Clock;
}

/** Lines given to `feed`: plain text, or `journalctl -o json` entries whose MESSAGE is matched. */
export type FeedFormat = 'text' | 'journal-json';

export interface SourceStats extends SourceCounters {
  /** A file path, or the name a fed source was given ('journal', 'stdout', ...). */
  source: string;
  kind: 'file' | 'access-log' | 'fed';
  /** Files only: bytes read from disk, rotations and truncations followed, read errors. */
  bytesRead: number;
  rotations: number;
  truncations: number;
  errors: number;
  lastError: string | null;
  /** Fed journald lines that were not journal entries. */
  malformed: number;
}

/** What a watcher has to say, for a heartbeat. */
export interface LogReport {
  service: string;
  /** Findings changed since the previous report. */
  findings: LogFinding[];
  /** Findings forgotten (to stay bounded) before they could be reported, since start. */
  lostFindings: number;
  errorRate: AccessLogFigures | null;
  sources: SourceStats[];
}

interface Fed {
  source: LineSource;
  format: FeedFormat;
  malformed: number;
}

/**
 * Watches one service's logs: follows its files and access log, takes lines fed from
 * other places (a child's stdout, journald), and turns them into root-cause findings and
 * error-rate figures. Every source has its own budget, so one flooding source cannot
 * starve the others or the event loop.
 */
export class LogWatcher {
  readonly service: string;
  private readonly opts: LogWatcherOptions;
  private readonly clock: Clock;
  private readonly matcher: LogMatcher;
  private readonly findingsAgg: FindingsAggregator;
  private readonly files: { path: string; source: LineSource; tailer: FileTailer }[] = [];
  private readonly access: { source: LineSource; tailer: FileTailer; monitor: AccessLogMonitor } | null = null;
  private readonly fed = new Map<string, Fed>();

  constructor(options: LogWatcherOptions) {
    this.opts = options;
    this.service = options.service;
    this.clock = options.clock ?? systemClock;
    this.matcher = options.matcher ?? runbookLogMatcher();
    this.findingsAgg = new FindingsAggregator({ maxFindings: options.maxFindings ?? 256, clock: this.clock });
    const tailOpts = { ...options.tail, clock: this.clock };
    for (const path of new Set(options.files ?? [])) {
      const source = new LineSource(path, (line) => this.match(path, line), options, this.clock);
      this.files.push({ path, source, tailer: new FileTailer(path, source, tailOpts) });
    }
    if (options.accessLog !== undefined) {
      const monitor = new AccessLogMonitor({ windowMs: options.errorRateWindowMs ?? 300_000, clock: this.clock });
      const source = new LineSource(options.accessLog, (line) => monitor.line(line), options, this.clock);
      this.access = { source, monitor, tailer: new FileTailer(options.accessLog, source, tailOpts) };
    }
  }

  async start(): Promise<void> {
    await Promise.all([...this.files.map((f) => f.tailer.start()), this.access?.tailer.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.files.map((f) => f.tailer.stop()), this.access?.tailer.stop()]);
  }

  /**
   * Lines from somewhere other than a followed file. A Buffer or string is a piece of a
   * byte stream (lines may span calls); an array holds complete lines.
   * @param format default: 'journal-json' for the source named 'journal', else 'text'
   */
  feed(source: string, data: Buffer | string | readonly string[], format?: FeedFormat): void {
    const fed = this.fedSource(source, format);
    if (typeof data === 'string') fed.source.data(Buffer.from(data, 'utf8'));
    else if (Buffer.isBuffer(data)) fed.source.data(data);
    else fed.source.pushLines(data);
  }

  /** The fed stream ended: its last unterminated line counts as a line. */
  endFeed(source: string): void {
    this.fed.get(source)?.source.end();
  }

  /** Feeds a readable stream (e.g. a child's stdout) as `source` until it ends; returns a detach function. */
  attachStream(source: string, stream: Readable, format?: FeedFormat): () => void {
    this.fedSource(source, format);
    const onData = (chunk: Buffer | string) => this.feed(source, chunk);
    const onEnd = () => this.endFeed(source);
    stream.on('data', onData);
    stream.once('end', onEnd);
    return () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
    };
  }

  /**
   * A root cause known from something other than a log line (an OOM kill found from the
   * service's exit, its cgroup and the kernel log): recorded like a matched line of
   * `source`, with `text` as its excerpt and the table's row for `cause`. False when the
   * table has no such cause.
   */
  note(cause: string, source: string, text: string): boolean {
    const row = this.matcher.table.find((r) => r.cause === cause);
    if (!row) return false;
    this.findingsAgg.record(this.service, row, source, text);
    return true;
  }

  /** Findings changed since the last report, with error-rate figures and per-source stats. */
  report(): LogReport {
    const sources = this.stats();
    return { service: this.service, findings: this.withSkipped(this.findingsAgg.drain(), sources), lostFindings: this.findingsAgg.lostFindings, errorRate: this.errorRate(), sources };
  }

  /** Every finding held, reported or not. */
  findings(): LogFinding[] {
    return this.withSkipped(this.findingsAgg.all(), this.stats());
  }

  /** A finding says how much of its source went unscanned, so a count is read against what was seen. */
  private withSkipped(findings: LogFinding[], sources: SourceStats[]): LogFinding[] {
    const skipped = new Map(sources.map((s) => [s.source, s.skippedLines]));
    for (const f of findings) f.skippedLines = skipped.get(f.source) ?? 0;
    return findings;
  }

  errorRate(): AccessLogFigures | null {
    return this.access?.monitor.figures() ?? null;
  }

  stats(): SourceStats[] {
    const out: SourceStats[] = [];
    const fileStats = (kind: 'file' | 'access-log', source: LineSource, tailer: FileTailer): SourceStats => {
      const t = tailer.stats();
      return { source: source.source, kind, ...source.counters(), bytesRead: t.bytesRead, rotations: t.rotations, truncations: t.truncations, errors: t.errors, lastError: t.lastError, malformed: 0 };
    };
    for (const f of this.files) out.push(fileStats('file', f.source, f.tailer));
    if (this.access) out.push(fileStats('access-log', this.access.source, this.access.tailer));
    for (const [name, f] of this.fed) {
      out.push({ source: name, kind: 'fed', ...f.source.counters(), bytesRead: 0, rotations: 0, truncations: 0, errors: 0, lastError: null, malformed: f.malformed });
    }
    return out;
  }

  /** Waits until what is visible in the files now has been read and what was fed has been handled. */
  async settle(): Promise<void> {
    await Promise.all([...this.files.map((f) => f.tailer.poke()), this.access?.tailer.poke()]);
    const sources = [...this.files.map((f) => f.source), ...(this.access ? [this.access.source] : []), ...[...this.fed.values()].map((f) => f.source)];
    await Promise.all(sources.map((s) => s.idle()));
  }

  private match(source: string, line: string): void {
    for (const row of this.matcher.match(line)) this.findingsAgg.record(this.service, row, source, line);
  }

  private fedSource(name: string, format: FeedFormat | undefined): Fed {
    const existing = this.fed.get(name);
    if (existing) return existing;
    const max = this.opts.maxFedSources ?? 8;
    if (this.fed.size >= max) throw new RangeError(`service "${this.service}": at most ${max} fed log sources (got a new one, "${name}")`);
    const fmt = format ?? (name === 'journal' ? 'journal-json' : 'text');
    let fed: Fed;
    if (fmt === 'journal-json') {
      const maxLineBytes = this.opts.maxLineBytes ?? 8192;
      const handler = (line: string) => {
        const entry = parseJournalLine(line);
        if (entry === null) {
          fed.malformed++;
          return;
        }
        this.match(name, cutUtf8(entry.message, maxLineBytes).text);
      };
      fed = { format: fmt, malformed: 0, source: new LineSource(name, handler, { ...this.opts, maxLineBytes: this.opts.maxJournalLineBytes ?? 65_536 }, this.clock) };
    } else {
      fed = { format: fmt, malformed: 0, source: new LineSource(name, (line) => this.match(name, line), this.opts, this.clock) };
    }
    this.fed.set(name, fed);
    return fed;
  }
}
