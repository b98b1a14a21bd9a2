import { describe, expect, it } from 'vitest';
import { hasRunbookErrorPattern, RUNBOOK_ERROR_PATTERNS } from './patterns.js';

describe('runbook error patterns', () => {
  it('patterns - every pattern of the runbook is found in a realistic line', () => {
    const lines = [
      'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
      'fork: Cannot allocate memory',
      'myapp.service: Main process killed by signal 9',
      'write /var/lib/app/data: No space left on device',
      'EDQUOT: Disk quota exceeded',
      'Configuration error: missing "listen"',
      'Invalid configuration file /etc/app.yml',
      'Failed to parse config /etc/app.yml',
      'Error: listen EADDRINUSE: address already in use :::8080',
      'bind() to 0.0.0.0:80 failed (98: Address already in use)',
    ];
    expect(RUNBOOK_ERROR_PATTERNS).toHaveLength(lines.length);
    for (const l of lines) expect(hasRunbookErrorPattern([l]), l).toBe(true);
  });

  it('patterns - ordinary lines are clean', () => {
    expect(hasRunbookErrorPattern(['listening on 127.0.0.1:8080', 'GET /health 200 3ms', 'Started myapp.service - My App.'])).toBe(false);
    expect(hasRunbookErrorPattern([])).toBe(false);
  });
});
