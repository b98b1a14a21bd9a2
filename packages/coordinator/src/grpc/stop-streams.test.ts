import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../test-support/log-capture.js';
import { helloMessage, startStreamFixture, waitFor } from '../test-support/stream-fixture.js';

describe('agent streams - a planned stop', () => {
  it('ends every stream with UNAVAILABLE and logs one line for all of them, not a warning each', async () => {
    const cap = captureLog('info');
    const fx = await startStreamFixture('stop-streams', { id: 'stop-coord' }, cap.log);
    const streams = ['s-1', 's-2', 's-3'].map((id) => {
      const s = fx.open();
      s.call.write(helloMessage(id, { capabilities: [] }));
      return s;
    });
    await waitFor(() => streams.every((s) => s.got.some((m) => m.welcome)));

    await fx.close();
    for (const s of streams) expect(await s.status).toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'coordinator is shutting down' });
    expect(cap.lines.filter((l) => l.msg === 'refused agent stream')).toEqual([]);
    expect(cap.lines.filter((l) => String(l.msg).startsWith('ended 3 agent streams'))).toEqual([
      expect.objectContaining({ level: 30, streams: 3, msg: 'ended 3 agent streams with UNAVAILABLE: coordinator stopping' }),
    ]);
  });
});
