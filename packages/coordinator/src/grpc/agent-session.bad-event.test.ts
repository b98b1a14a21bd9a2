import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadProto, type AgentMessageIn } from '@vigil/shared';
import { coordinatorConfigSchema } from '../config.js';
import { startCoordinator, type Coordinator } from '../coordinator.js';

const proto = loadProto();
let dir: string;
let coord: Coordinator;
const clients: grpc.Client[] = [];

async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function hello(hostId: string): AgentMessageIn {
  return {
    hello: {
      hostId,
      agentVersion: '0.1.0',
      hostname: hostId,
      os: { platform: 'linux', distro: 'debian', release: '12', kernel: '6.1', arch: 'x64' },
      services: [],
      capabilities: ['resources'],
      intervalMs: 200,
      labels: {},
      startedAtMs: Date.now(),
    },
  };
}

function open(): { call: grpc.ClientDuplexStream<AgentMessageIn, any>; got: any[]; ended: () => boolean; status: Promise<grpc.StatusObject> } {
  const client = new proto.vigil.v1.AgentService(`127.0.0.1:${coord.grpcPort}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  clients.push(client);
  const call = client.Connect();
  const got: any[] = [];
  let done = false;
  call.on('data', (m) => got.push(m));
  call.on('error', () => {});
  const status = new Promise<grpc.StatusObject>((resolve) =>
    call.on('status', (s) => {
      done = true;
      resolve(s);
    }),
  );
  return { call, got, ended: () => done, status };
}

const event = (eventSeq: number, detail: string) => ({ event: { eventSeq, atMs: Date.now(), service: 'worker', type: 'status_changed', step: '', detail, cause: '', requestId: '' } });

async function rejectedEvents(): Promise<number> {
  const text = (await coord.app.inject({ url: '/metrics' })).body;
  const m = /vigil_agent_messages_rejected_total\{reason="event_invalid"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-coord-bad-event-'));
  const config = coordinatorConfigSchema.parse({
    grpc: '127.0.0.1:0',
    http: '127.0.0.1:0',
    nats: 'none',
    dataDir: dir,
    id: 'test-coord',
    disconnectGrace: '300ms',
    minAgentInterval: '100ms',
    maxMessageBytes: 65_536,
  });
  coord = await startCoordinator(config, { logger: createLogger('test', 'silent') });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await coord?.stop();
  rmSync(dir, { recursive: true, force: true });
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
