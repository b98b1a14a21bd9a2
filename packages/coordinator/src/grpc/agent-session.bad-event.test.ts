import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentMessageIn } from '@vigil/shared';
import type { Coordinator } from '../coordinator.js';
import { helloMessage, startStreamFixture, waitFor, type StreamFixture } from '../test-support/stream-fixture.js';

let fx: StreamFixture;
let coord: Coordinator;
const open = () => fx.open();
const hello = (hostId: string): AgentMessageIn => helloMessage(hostId, { capabilities: ['resources'] });

const event = (eventSeq: number, detail: string) => ({ event: { eventSeq, atMs: Date.now(), service: 'worker', type: 'status_changed', step: '', detail, cause: '', requestId: '' } });

async function rejectedEvents(): Promise<number> {
  const text = (await coord.app.inject({ url: '/metrics' })).body;
  const m = /vigil_agent_messages_rejected_total\{reason="event_invalid"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

beforeAll(async () => {
  fx = await startStreamFixture('coord-bad-event', { maxMessageBytes: 65_536 });
  coord = fx.coord;
});

afterAll(async () => {
  await fx?.close();
});

describe('agent stream - one event the contract refuses', () => {
  it('stores a marker for an oversized event, acks past it, counts it and keeps the stream and the host up', async () => {
    const a = open();
    a.call.write(hello('many-children'));
    await waitFor(() => a.got.find((m) => m.welcome));
    const pids = Array.from({ length: 700 }, (_, i) => 10_000 + i).join(' ');
    const oversized = `failed (pids ${pids})`;
    expect(oversized.length).toBeGreaterThan(2048);

    a.call.write(event(1, oversized));
    a.call.write(event(2, 'running (pids 42)'));
    await waitFor(() => a.got.some((m) => m.eventAck?.eventSeq === 2));

    expect(a.ended()).toBe(false);
    expect(a.got.filter((m) => m.eventAck).map((m) => m.eventAck.eventSeq)).toEqual([1, 2]);
    expect(coord.registry.get('many-children')!.state).toBe('online');
    expect(await rejectedEvents()).toBe(1);

    const res = await coord.app.inject({ url: '/v1/hosts/many-children' });
    expect(res.statusCode, res.body).toBe(200);
    const host = res.json().host;
    const events = [...host.events].sort((x: any, y: any) => x.eventSeq - y.eventSeq);
    expect(events.map((e: any) => [e.eventSeq, e.type])).toEqual([
      [1, 'event_refused'],
      [2, 'status_changed'],
    ]);
    expect(events[0].detail).toMatch(/event\.detail/);
    expect(events[0].detail.length).toBeLessThanOrEqual(2048);
    expect(events[1].detail).toBe('running (pids 42)');

    // The stream still carries heartbeats after the refusal.
    a.call.write({ heartbeat: { seq: 1, sentAtMs: Date.now(), resources: null, collectors: [] } });
    await waitFor(() => a.got.some((m) => m.ack?.seq === 1));

    // A reconnecting agent resumes after the refused event, not at it.
    a.call.cancel();
    const b = open();
    b.call.write(hello('many-children'));
    const w = await waitFor(() => b.got.find((m) => m.welcome));
    expect(w.welcome.lastEventSeq).toBe(2);
    b.call.write({ goodbye: { reason: 'done' } });
    await b.status;
  });

  it('still ends the stream for an invalid heartbeat', async () => {
    const a = open();
    a.call.write(hello('bad-heartbeat'));
    await waitFor(() => a.got.find((m) => m.welcome));
    a.call.write({ heartbeat: { seq: 0, sentAtMs: Date.now(), resources: null, collectors: [] } });
    expect((await a.status).code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
