import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { afterAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { GrpcStatus } from '../helpers/grpc-raw.js';
import { frame, method } from '../helpers/grpc-wire.js';
import { waitFor } from '../helpers/poll.js';

/**
 * A planned stop (SIGTERM) of a coordinator with agents connected, seen from the agents'
 * side of the wire: each stream is told why it ends (its agent reconnects, elsewhere or
 * later), and the coordinator's log has one line for all of them, not a warning each.
 */
const sessions: ClientHttp2Session[] = [];

/** One agent stream on its own connection: what it received, and the status it ended with. */
function stream(target: string, hostId: string) {
  const session = connect(`http://${target}`);
  sessions.push(session);
  session.on('error', () => {});
  const req = session.request({
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: '/vigil.v1.AgentService/Connect',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  const got: Record<string, unknown>[] = [];
  let pending = Buffer.alloc(0);
  req.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const len = pending.readUInt32BE(1);
      got.push(method().responseDeserialize(pending.subarray(5, 5 + len)));
      pending = pending.subarray(5 + len);
    }
  });
  req.on('error', () => {});
  const status = new Promise<{ code: number | undefined; message: string | undefined }>((resolve) => {
    const take = (h: Record<string, unknown>) => {
      if (h['grpc-status'] !== undefined) resolve({ code: Number(h['grpc-status']), message: decodeURIComponent(String(h['grpc-message'] ?? '')) });
    };
    req.on('response', take);
    req.on('trailers', take);
    req.on('close', () => resolve({ code: undefined, message: undefined }));
  });
  req.write(frame(method().requestSerialize({ hello: { hostId, agentVersion: 'test', hostname: hostId, intervalMs: 1000, startedAtMs: 1, attempt: 1 } })));
  return { got, status };
}

describe('coordinator planned stop', () => {
  dumpLogsOnFailure();
  afterAll(async () => {
    for (const s of sessions) s.destroy();
    await teardown();
  });

  it('planned stop - SIGTERM ends every agent stream with UNAVAILABLE "coordinator is shutting down", logs one line for them, and exits 0', async () => {
    const coordinator = await Coordinator.start({ nats: 'none' });
    const streams = Array.from({ length: 20 }, (_, i) => stream(coordinator.grpcTarget, `stop-${i}`));
    await waitFor(() => streams.every((s) => s.got.some((m) => m['welcome'])), { timeoutMs: 15_000, what: 'a Welcome on every stream' });

    expect(await coordinator.stop()).toEqual({ code: 0, signal: null });
    for (const s of streams) expect(await s.status).toEqual({ code: GrpcStatus.UNAVAILABLE, message: 'coordinator is shutting down' });
    const lines = coordinator.child.stderr
      .text()
      .split('\n')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { msg: string; streams?: number }];
        } catch {
          return [];
        }
      });
    expect(lines.filter((l) => l.msg === 'refused agent stream')).toEqual([]);
    expect(lines.filter((l) => l.msg.startsWith('ended 20 agent streams'))).toEqual([expect.objectContaining({ streams: 20 })]);
    // The last line says how long the stop took and where (a planned stop is time the fleet is away).
    const stopped = lines.find((l) => l.msg === 'coordinator stopped') as { ms?: number; stages?: Record<string, number> } | undefined;
    expect(Object.keys(stopped?.stages ?? {})).toEqual(['leave', 'endStreams', 'flush', 'heldHeartbeats', 'streams', 'http', 'publisher', 'nats', 'store']);
    const sum = Object.values(stopped!.stages!).reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - stopped!.ms!)).toBeLessThanOrEqual(Object.keys(stopped!.stages!).length);
  });
});
