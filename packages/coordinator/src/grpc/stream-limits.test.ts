import * as grpc from '@grpc/grpc-js';
import { connect, constants } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coordinator } from '../coordinator.js';
import { helloMessage, startStreamFixture, waitFor, type StreamFixture } from '../test-support/stream-fixture.js';
import { MAX_STREAMS_PER_CONNECTION } from './server.js';

let fx: StreamFixture;
let coord: Coordinator;
const open = () => fx.open();

beforeAll(async () => {
  fx = await startStreamFixture('limits', { id: 'limits-coord', helloTimeout: '400ms' });
  coord = fx.coord;
});

afterAll(async () => {
  await fx?.close();
});

describe('agent streams - Hello deadline', () => {
  it('ends a stream that sends no Hello within the deadline with DEADLINE_EXCEEDED', async () => {
    const started = Date.now();
    const { status } = open();
    const s = await status;
    expect(s.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(s.details).toMatch(/no hello within 400 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it('keeps a stream that said Hello in time open past the deadline', async () => {
    const a = open();
    a.call.write(helloMessage('in-time', { capabilities: [] }));
    await waitFor(() => a.got.some((m) => m.welcome));
    await new Promise((r) => setTimeout(r, 600)); // past the 400 ms Hello deadline, on purpose
    a.call.write({ heartbeat: { seq: 1, sentAtMs: Date.now(), collectors: [] } });
    await waitFor(() => a.got.some((m) => m.ack)); // no ack: the stream was ended
    a.call.end();
    expect((await a.status).code).toBe(grpc.status.OK);
  });
});

describe('agent streams - per-connection limit', () => {
  it(`serves at most ${MAX_STREAMS_PER_CONNECTION} streams of one connection at a time and refuses the rest`, async () => {
    const session = connect(`http://127.0.0.1:${coord.grpcPort}`);
    session.on('error', () => {});
    const opened = 3 * MAX_STREAMS_PER_CONNECTION;
    // Each stream ends either with a gRPC status (served: here the Hello deadline) or with
    // RST_STREAM REFUSED_STREAM from HTTP/2 (never reached the coordinator).
    const ends = await Promise.all(
      Array.from({ length: opened }, () => {
        const req = session.request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: '/vigil.v1.AgentService/Connect',
          'content-type': 'application/grpc',
          te: 'trailers',
        });
        return new Promise<string>((resolve) => {
          req.on('trailers', (t) => resolve(`status ${String(t['grpc-status'])}`));
          req.on('response', (h) => h['grpc-status'] !== undefined && resolve(`status ${String(h['grpc-status'])}`));
          req.on('error', () => {});
          req.on('close', () => resolve(`closed ${req.rstCode}`));
          req.on('data', () => {});
        });
      }),
    );
    session.close();
    const served = ends.filter((e) => e === `status ${grpc.status.DEADLINE_EXCEEDED}`).length;
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual(MAX_STREAMS_PER_CONNECTION);
    expect(ends.filter((e) => e === `closed ${constants.NGHTTP2_REFUSED_STREAM}`).length).toBe(opened - served);
  });
});
