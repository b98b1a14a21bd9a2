import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGrpcLine, routeGrpcLogs } from './grpc-logging.js';

function capture(level: string): { logger: pino.Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ name: 'test', level }, sink), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

afterEach(() => {
  grpc.setLogger(console);
  grpc.setLogVerbosity(grpc.logVerbosity.ERROR);
});

describe('grpc-js logs', () => {
  it('grpc-js - its log lines come out as JSON through the logger, with the tracer apart', () => {
    const { logger, lines } = capture('info');
    routeGrpcLogs(logger);
    grpc.experimental.log(grpc.logVerbosity.ERROR, '2026-12-03T13:00:00.000Z | v1.14.7 4242 | subchannel | 127.0.0.1:7400 connection closed with error read ECONNRESET');
    grpc.experimental.log(grpc.logVerbosity.INFO, 'plain %s', 'words');
    grpc.experimental.log(grpc.logVerbosity.DEBUG, 'not at info');
    const out = lines().map((l) => JSON.parse(l));
    expect(out).toEqual([
      expect.objectContaining({ level: 50, part: 'grpc-js', tracer: 'subchannel', msg: '127.0.0.1:7400 connection closed with error read ECONNRESET' }),
      expect.objectContaining({ level: 30, part: 'grpc-js', msg: 'plain words' }),
    ]);
  });

  it('grpc-js - debug logging asks grpc-js for its debug lines', () => {
    const { logger, lines } = capture('debug');
    routeGrpcLogs(logger);
    grpc.experimental.log(grpc.logVerbosity.DEBUG, 'now shown');
    expect(lines().map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 20, msg: 'now shown' })]);
  });

  it('parseGrpcLine - splits a tracer line, keeps other text whole', () => {
    expect(parseGrpcLine('2026-12-03T13:00:00.123Z | v1.14.7 99 | dns_resolver | Resolved')).toEqual({ tracer: 'dns_resolver', text: 'Resolved' });
    expect(parseGrpcLine('E something odd')).toEqual({ text: 'E something odd' });
  });
});
