import { describe, expect, it } from 'vitest';
import { hostIdProblem, normalizeHostId } from './hostid.js';
import { hostFromToken, hostStateSubject, hostToken } from './subject.js';

describe('host id - validation', () => {
  it('accepts short names and FQDNs', () => {
    expect(hostIdProblem('web-1')).toBeUndefined();
    expect(hostIdProblem('db-2.eu-west.example.com')).toBeUndefined();
    expect(hostIdProblem('Web-1.Example.COM.')).toBeUndefined();
  });
  it('names what is wrong', () => {
    expect(hostIdProblem('')).toBe('is empty');
    expect(hostIdProblem('-web')).toMatch(/invalid label "-web"/);
    expect(hostIdProblem('web_1')).toMatch(/invalid label "web_1"/);
    expect(hostIdProblem('a..b')).toMatch(/invalid label ""/);
    expect(hostIdProblem(`${'a'.repeat(64)}.com`)).toMatch(/invalid label/);
    expect(hostIdProblem('a.'.repeat(130))).toMatch(/at most 253/);
  });
  it('normalizes case and the root dot', () => {
    expect(normalizeHostId('Web-1.Example.com.')).toBe('web-1.example.com');
  });
});

describe('subject - host tokens', () => {
  it('maps dots to underscores reversibly', () => {
    expect(hostToken('web-1.eu.example.com')).toBe('web-1_eu_example_com');
    expect(hostFromToken(hostToken('web-1.eu.example.com'))).toBe('web-1.eu.example.com');
    expect(hostStateSubject('silent', 'a.b')).toBe('vigil.v1.host.silent.a_b');
  });
});
