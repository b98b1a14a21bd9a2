import { Writable } from 'node:stream';
import { FakeClock } from '@vigil/shared';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectionLog, duplicateRefusal } from './connection-log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

const refusal = Object.assign(new Error('6 ALREADY_EXISTS: host "web-1" already has a live agent stream'), {
  code: 6,
  details: 'host "web-1" already has a live agent stream: another agent holds the stream for this host id',
});

describe('connection log - a coordinator refusing a duplicate agent', () => {
  it('connection log - the refusal is an error line naming the reason and the retry, repeated each summary period, not each retry', async () => {
    const { logger, lines } = capture();
    const clock = new FakeClock(0);
    const log = new ConnectionLog(logger, clock, 60_000);
    log.attemptFailed('127.0.0.1:7400', refusal, '127.0.0.1:7400', 400);
    clock.advance(1000);
    log.attemptFailed('127.0.0.1:7400', refusal, '127.0.0.1:7400', 800);
    clock.advance(60_000);
    log.attemptFailed('127.0.0.1:7400', refusal, '127.0.0.1:7400', 1600);
    await new Promise((r) => setImmediate(r));
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => l.msg)).toEqual([
      'coordinator at 127.0.0.1:7400 refused this agent: host "web-1" already has a live agent stream: another agent holds the stream for this host id; retrying in 400 ms',
      'coordinator at 127.0.0.1:7400 refused this agent: host "web-1" already has a live agent stream: another agent holds the stream for this host id; retrying in 1600 ms',
    ]);
    expect(errors[1]).toMatchObject({ event: 'refused_duplicate', failedAttempts: 3, downForMs: 61_000 });
    expect(lines.filter((l) => l.level === 20)).toHaveLength(1);
  });

  it('duplicateRefusal - only gRPC ALREADY_EXISTS is a duplicate refusal', () => {
    expect(duplicateRefusal(refusal)).toMatch(/^host "web-1"/);
    expect(duplicateRefusal(Object.assign(new Error('x'), { code: 14 }))).toBeUndefined();
    expect(duplicateRefusal(new Error('ECONNREFUSED'))).toBeUndefined();
  });
});
