import { describe, expect, it } from 'vitest';
import { parseHostPort } from './net.js';

describe('net - host:port', () => {
  it('splits names, IPv4 and bracketed IPv6', () => {
    expect(parseHostPort('web-1:7400')).toEqual({ host: 'web-1', port: 7400 });
    expect(parseHostPort('[::1]:7400')).toEqual({ host: '::1', port: 7400 });
  });

  // Counterexample found by test/fuzz/scalars.fuzz.test.ts: the whole value was echoed.
  it('a refusal quotes a 400-character value in its first 80 characters', () => {
    expect(() => parseHostPort('9'.repeat(400))).toThrow(/^"9{77}\.\.\." is not HOST:PORT$/);
    expect(() => parseHostPort(`h:${'9'.repeat(5)}`)).toThrow(/^"h:99999" has port 99999 above 65535$/);
  });

  it('a host longer than 253 characters or holding spaces is not a host', () => {
    expect(() => parseHostPort(`${'a'.repeat(254)}:80`)).toThrow(/does not start with a host name or address/);
    expect(() => parseHostPort('my host:80')).toThrow(/^"my host:80" does not start with a host name or address$/);
  });
});
