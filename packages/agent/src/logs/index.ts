// Service logs: following files, root-cause findings, access-log error rate. See README.md.
export { LogWatcher, type FeedFormat, type LogReport, type LogWatcherOptions, type SourceStats } from './log-watcher.js';
export { hasErrorPattern, scanLines, type ScanOptions } from './scan.js';
export { FindingsAggregator, type FindingCause, type FindingsOptions } from './findings.js';
export { FileTailer, type TailerOptions, type TailerStats, type TailReset, type TailSink } from './tailer.js';
export { LineSplitter, type LineSink, type LineSplitterOptions } from './line-splitter.js';
export { LineSource, type LineHandler, type SourceCounters, type SourceLimits } from './line-source.js';
export { parseAccessLogLine, parseAccessLogTime, type AccessLogEntry } from './access-log.js';
export { AccessLogMonitor, type AccessLogFigures } from './access-log-monitor.js';
export { ErrorRateWindow, type ErrorRateFigures, type ErrorRateOptions } from './error-rate.js';
export { parseJournalLine, type JournalEntry } from './journal.js';
export { TokenBucket } from './token-bucket.js';
export { cutUtf8, truncateUtf8, utf8Boundary } from './utf8.js';
