// The runbook's tables as data (log patterns, thresholds, classes, decision tree).
export {};
