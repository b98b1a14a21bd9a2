// The runbook's tables as data (log patterns, thresholds, classes, decision tree).
export * from './log-patterns.js';
export * from './log-matcher.js';
export * from './regex-safety.js';
export * from './log-finding.js';
