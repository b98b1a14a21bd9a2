import { compileLogPatterns, mergeLogPatterns, RUNBOOK_LOG_PATTERNS } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { hasErrorPattern, scanLines } from './scan.js';

const texts = (cause: string) => {
  const { diagnosis, fix, prevention } = RUNBOOK_LOG_PATTERNS.find((r) => r.cause === cause)!;
  return { diagnosis, fix, prevention };
};

const QUIET = ['Started api.service.', 'GET /health 200', 'listening on :8080'];

describe('scan - recovery step 3', () => {
  it('hasErrorPattern is false for clean logs and true when any pattern appears', () => {
    expect(hasErrorPattern(QUIET)).toBe(false);
    expect(hasErrorPattern([])).toBe(false);
    expect(hasErrorPattern([...QUIET, 'api[42]: Invalid configuration: port'])).toBe(true);
  });

  it('hasErrorPattern uses a given matcher', () => {
    const m = compileLogPatterns(mergeLogPatterns([{ cause: 'tls_failure', patterns: ['certificate has expired'], diagnosis: 'd', fix: 'f', prevention: 'p' }]));
    expect(hasErrorPattern(['x509: certificate has expired'])).toBe(false);
    expect(hasErrorPattern(['x509: certificate has expired'], m)).toBe(true);
  });

  it('scanLines aggregates the findings of a batch per cause', () => {
    const found = scanLines(
      [...QUIET, 'java.lang.OutOfMemoryError: heap', 'Failed to parse /etc/api.yaml', 'OutOfMemoryError: metaspace'],
      'api',
      'journal',
      { at: 42 },
    );
    expect(found).toEqual([
      { service: 'api', cause: 'memory_exhaustion', source: 'journal', excerpt: 'OutOfMemoryError: metaspace', count: 2, firstSeenMs: 42, lastSeenMs: 42, skippedLines: 0, ...texts('memory_exhaustion') },
      { service: 'api', cause: 'configuration_error', source: 'journal', excerpt: 'Failed to parse /etc/api.yaml', count: 1, firstSeenMs: 42, lastSeenMs: 42, skippedLines: 0, ...texts('configuration_error') },
    ]);
  });
});
