import { describe, expect, it } from 'vitest';
import { effectiveConfigJson, MASKED } from './effective-config.js';

describe('effective config', () => {
  it('effective config - secret keys are masked at any depth; everything else prints as JSON', () => {
    const text = effectiveConfigJson(
      { http: { host: '0.0.0.0', port: 7401 }, tokens: [{ name: 'ops', sha256: 'a'.repeat(64) }], tls: { key: '/etc/vigil/c.key' }, pattern: /out of memory/i, none: undefined },
      ['sha256'],
    );
    expect(JSON.parse(text)).toEqual({ http: { host: '0.0.0.0', port: 7401 }, tokens: [{ name: 'ops', sha256: MASKED }], tls: { key: '/etc/vigil/c.key' }, pattern: 'out of memory' });
    expect(text).not.toContain('aaaa');
    expect(text.endsWith('}\n')).toBe(true);
  });
});
