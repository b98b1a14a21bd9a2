import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadProto } from '@vigil/shared';
import { holdsFor, waitFor } from '@vigil/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { coordinatorConfigSchema } from '../config.js';
import { buildCoordinator, type Coordinator } from '../coordinator.js';
import { bindAgentListener, type AgentListener } from './agent-listener.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const until = (what: string, check: () => boolean): Promise<true> => waitFor(() => check(), { what, intervalMs: 10 });

async function listener(): Promise<AgentListener> {
  const l = await bindAgentListener({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => l.close());
  return l;
}

function dial(port: number, send?: string): Socket {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  if (send) s.write(send);
  cleanups.push(() => s.destroy());
  return s;
}

describe("the agents' listener", () => {
  it('parks connections until served, then hands them on in arrival order with what they sent', async () => {
    const l = await listener();
    dial(l.port, 'first');
    await until('the first parked', () => l.parked === 1);
    dial(l.port, 'second');
    await until('the second parked', () => l.parked === 2);
    const got: string[] = [];
    const served = l.serve((socket) => {
      socket.setEncoding('utf8');
      socket.on('data', (d) => got.push(String(d)));
    });
    expect(served).toBe(2);
    expect(l.parked).toBe(0);
    await until('both payloads', () => got.length === 2);
    expect(got).toEqual(['first', 'second']);
    // Served: a new connection goes straight to the handler.
    dial(l.port, 'third');
    await until('the third', () => got.length === 3);
    expect(l.parked).toBe(0);
  });

  it('a connection reset while parked leaves the queue and is not handed on', async () => {
    const l = await listener();
    const gone = dial(l.port);
    await until('parked', () => l.parked === 1);
    gone.resetAndDestroy();
    await until('the reset connection gone from the queue', () => l.parked === 0);
    dial(l.port, 'stays');
    await until('the next one parked', () => l.parked === 1);
    const got: string[] = [];
    expect(l.serve((s) => s.setEncoding('utf8').on('data', (d) => got.push(String(d))))).toBe(1);
    await until('its payload', () => got.length === 1);
    expect(got).toEqual(['stays']);
  });

  it('close() ends the parked connections', async () => {
    const l = await listener();
    const client = dial(l.port);
    let closed = false;
    client.on('close', () => (closed = true));
    await until('parked', () => l.parked === 1);
    l.close();
    await until('the client sees its connection closed', () => closed);
  });

  it('serves once only', async () => {
    const l = await listener();
    l.serve(() => undefined);
    expect(() => l.serve(() => undefined)).toThrow(/served already/);
  });

  it('an agent that dials while the coordinator is still being built waits, and is welcomed once it listens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-listener-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = coordinatorConfigSchema.parse({ grpc: '127.0.0.1:0', http: '127.0.0.1:0', nats: 'none', dataDir: dir, id: 'early', helloMaxLoopLag: 0 });
    const agents = await listener();
    // The agent dials before the coordinator has even opened its store.
    const client = new (loadProto().vigil.v1.AgentService)(`127.0.0.1:${agents.port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    cleanups.push(() => client.close());
    const call = client.Connect();
    const got: { body?: string; welcome?: { coordinatorId: string } }[] = [];
    call.on('data', (m) => got.push(m));
    call.on('error', () => undefined);
    call.write({ hello: { hostId: 'early-1', intervalMs: 1000 } });
    await until('the connection parked', () => agents.parked === 1);
    const built = await buildCoordinator(config, { apiBase: 'http://127.0.0.1:1', logger: createLogger('test', 'silent'), agents });
    // Built, not listening: the connection stays parked, and the agent has no answer.
    await holdsFor(() => agents.parked === 1 && got.length === 0, { durationMs: 100, intervalMs: 20, what: 'the connection parked and unanswered' });
    expect(agents.parked).toBe(1);
    expect(got).toHaveLength(0);
    const coord: Coordinator = await built.listen();
    cleanups.push(() => coord.stop());
    expect(coord.grpcPort).toBe(agents.port);
    await until('Welcome', () => got.length > 0);
    expect(got[0]).toMatchObject({ body: 'welcome', welcome: { coordinatorId: 'early' } });
    call.cancel();
  });
});
