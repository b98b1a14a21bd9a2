import { readFileSync } from 'node:fs';
import { FakeClock } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { parseAccessLogLine, parseAccessLogTime } from './access-log.js';
import { AccessLogMonitor } from './access-log-monitor.js';
import { ErrorRateWindow } from './error-rate.js';

// Common and combined lines as Apache and nginx write them, then lines that are not access-log lines.
const FIXTURE = readFileSync(new URL('./fixtures/access.log', import.meta.url), 'utf8').split('\n').slice(0, -1);
const GOOD = FIXTURE.slice(0, 7);
const MALFORMED = FIXTURE.slice(7);

describe('access log - parsing', () => {
  it('parses the common format', () => {
    expect(parseAccessLogLine(GOOD[0]!)).toEqual({
      remoteHost: '127.0.0.1',
      user: 'frank',
      timeMs: Date.UTC(2000, 9, 10, 20, 55, 36),
      method: 'GET',
      target: '/apache_pb.gif',
      protocol: 'HTTP/1.0',
      status: 200,
      bytes: 2326,
      referer: null,
      userAgent: null,
    });
  });

  it('parses the combined format', () => {
    expect(parseAccessLogLine(GOOD[1]!)).toMatchObject({
      remoteHost: '203.0.113.7',
      user: null,
      method: 'POST',
      target: '/api/orders',
      status: 502,
      referer: 'https://shop.example.com/cart',
      userAgent: expect.stringMatching(/^Mozilla\/5\.0 \(X11; Linux x86_64\)/),
    });
  });

  it('keeps the status of a request line that is not METHOD target PROTOCOL', () => {
    expect(parseAccessLogLine(GOOD[2]!)).toMatchObject({ method: null, target: null, protocol: null, status: 400 });
    expect(parseAccessLogLine(GOOD[3]!)).toMatchObject({ method: null, status: 408, bytes: 0 });
  });

  it('handles "-" bytes, time zones, escaped quotes and trailing fields', () => {
    expect(parseAccessLogLine(GOOD[4]!)).toMatchObject({ user: 'alice', status: 304, bytes: null, timeMs: Date.UTC(2024, 4, 1, 12, 0, 4) });
    expect(parseAccessLogLine(GOOD[5]!)).toMatchObject({ remoteHost: '2001:db8::1', target: '/say?\\"hi\\"', status: 503, userAgent: 'kube-probe/1.29' });
  });

  // Counterexample found by test/fuzz/log-matcher.fuzz.test.ts: a 40-digit size came back as 1e40.
  it('a size too large to be exact is unknown (null), not a rounded number', () => {
    const line = '10.0.0.1 - - [01/May/2024:12:00:05 +0000] "GET / HTTP/1.1" 503 9999999999999999999999999999999999999999 "-" "curl/8"';
    expect(parseAccessLogLine(line)).toMatchObject({ status: 503, bytes: null });
  });

  it('returns null for every malformed line', () => {
    expect(MALFORMED).toHaveLength(6);
    for (const line of MALFORMED) expect(parseAccessLogLine(line)).toBeNull();
  });

  it('parses times with their offset', () => {
    expect(parseAccessLogTime('01/Jan/2024:00:30:00 +0100')).toBe(Date.UTC(2023, 11, 31, 23, 30, 0));
    expect(parseAccessLogTime('01/Jan/2024:24:00:00 +0000')).toBeNull();
  });
});

describe('access log - sliding 5xx rate', () => {
  it('reports requests, 5xx and their share over the window, forgetting what slid out', () => {
    const clock = new FakeClock(0);
    const w = new ErrorRateWindow({ clock }); // 5 min
    expect(w.figures()).toEqual({ windowMs: 300_000, requests: 0, errors5xx: 0, errorRate: null });
    for (let i = 0; i < 8; i++) w.record(200);
    w.record(500);
    w.record(503);
    expect(w.figures()).toEqual({ windowMs: 300_000, requests: 10, errors5xx: 2, errorRate: 0.2 });
    clock.advance(240_000);
    for (let i = 0; i < 10; i++) w.record(i < 5 ? 502 : 404);
    expect(w.figures()).toMatchObject({ requests: 20, errors5xx: 7, errorRate: 0.35 });
    clock.advance(60_000); // the first batch is now 5 min old: out
    expect(w.figures()).toMatchObject({ requests: 10, errors5xx: 5, errorRate: 0.5 });
    clock.advance(240_000);
    expect(w.figures()).toMatchObject({ requests: 0, errors5xx: 0, errorRate: null });
  });

  it('takes its window length from the options', () => {
    const clock = new FakeClock(0);
    const w = new ErrorRateWindow({ clock, windowMs: 10_000 });
    w.record(500);
    clock.advance(9_000);
    expect(w.figures().requests).toBe(1);
    clock.advance(1_000);
    expect(w.figures().requests).toBe(0);
  });

  it('counts malformed lines without letting them into the rate', () => {
    const clock = new FakeClock(0);
    const m = new AccessLogMonitor({ clock });
    for (const line of FIXTURE) m.line(line);
    // 502 and 503 among the 7 requests.
    expect(m.figures()).toEqual({ windowMs: 300_000, requests: 7, errors5xx: 2, errorRate: 2 / 7, lines: 13, malformed: 6 });
  });
});
