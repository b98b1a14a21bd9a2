import { describe, expect, it } from 'vitest';
import { validateProbeRequest } from './schema.js';
import { isNeverResolvable, targetProblem } from './target.js';

describe('schema - targets', () => {
  it.each(['127.0.0.1', '::1', 'fe80::1%eth0', '::ffff:127.0.0.1', 'localhost', 'web-1', 'db01.eu-1.example.org', 'example.org.', '_sip._tcp.example.org', 'a'.repeat(63)])(
    'schema - %s is a target',
    (t) => expect(targetProblem(t)).toBeNull(),
  );
  it.each([
    ['', 'must not be empty'],
    ['-v', "must not start with '-'"],
    ['--help', "must not start with '-'"],
    ['a'.repeat(64), 'must be an IP address'],
    [`${'a'.repeat(60)}.`.repeat(5), 'at most 253'],
    ['web-', 'must be an IP address'],
    ['a..b', 'must be an IP address'],
    ['[::1]', 'must be an IP address'],
    ['host`id`', 'must be an IP address'],
    ['host|cat', 'must be an IP address'],
    ['host\nx', 'must be an IP address'],
    ['10.0.0.300', 'looks like an IP address'],
    ['2130706433', 'looks like an IP address'],
    ['0x7f000001', 'looks like an IP address'],
  ])('schema - %j is refused: %s', (t, why) => expect(targetProblem(t)).toContain(why));

  it('schema - names under .invalid never resolve', () => {
    expect(isNeverResolvable('nohost.invalid')).toBe(true);
    expect(isNeverResolvable('NOHOST.INVALID.')).toBe(true);
    expect(isNeverResolvable('invalid')).toBe(true);
    expect(isNeverResolvable('invalid.example.org')).toBe(false);
    expect(isNeverResolvable('notinvalid')).toBe(false);
  });
});

describe('schema - requests', () => {
  it('schema - a full http request passes and is frozen', () => {
    const v = validateProbeRequest({ id: 'r-1', kind: 'http', target: 'web-1', url: 'https://[::1]:8443/health', timeoutMs: 5000 });
    expect(v).toEqual({ ok: true, request: { id: 'r-1', kind: 'http', target: 'web-1', url: 'https://[::1]:8443/health', timeoutMs: 5000 } });
    expect(v.ok && Object.isFrozen(v.request)).toBe(true);
  });
  it('schema - every problem is listed, each with its field and value', () => {
    const v = validateProbeRequest({ id: '', kind: 'exec', target: '-x', port: 0 });
    expect(v.ok).toBe(false);
    const lines = v.ok ? [] : v.message.split('; ');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['id', 'kind', 'target', 'port']);
    expect(lines[3]).toContain('(got 0)');
  });
  it('schema - a url host is checked like a target', () => {
    const v = validateProbeRequest({ id: 'r', kind: 'http', target: 'web-1', url: 'http://-x/' });
    expect(v.ok).toBe(false);
    expect(!v.ok && v.message).toMatch(/^url: host must not start with '-'/);
  });
});
