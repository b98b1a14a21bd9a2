import * as grpc from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentMessageIn } from '@vigil/shared';
import type { Coordinator } from '../coordinator.js';
import { helloMessage, startStreamFixture, waitFor, type StreamFixture } from '../test-support/stream-fixture.js';

const STARTED = Date.now();
let fx: StreamFixture;
let coord: Coordinator;
const open = () => fx.open();
const openRaw = () => fx.openRaw();
const hello = (hostId: string, over: Record<string, unknown> = {}): AgentMessageIn => helloMessage(hostId, { labels: { zone: 'a' }, startedAtMs: STARTED, ...over });

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-session-'));

beforeAll(async () => {
  fx = await startStreamFixture('coord', { maxMessageBytes: 4096, dataDir });
  coord = fx.coord;
});

afterAll(async () => {
  await fx?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The host's row as the store has it (not memory). */
function storedRow(hostId: string): { last_seq: number; service_status: string } | undefined {
  const db = new Database(join(dataDir, 'vigil.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT last_seq, service_status FROM hosts WHERE id = ?').get(hostId) as { last_seq: number; service_status: string } | undefined;
  } finally {
    db.close();
  }
}

describe('agent stream - happy path', () => {
  it('answers hello with welcome; acks the stored heartbeats, cumulatively (the first of the stream, then one whose services changed)', async () => {
    const a = open();
    a.call.write(hello('web-1.example.com'));
    const welcome = await waitFor(() => a.got.find((m) => m.welcome));
    expect(welcome.welcome).toMatchObject({ coordinatorId: 'test-coord', intervalMs: 200, lastSeq: 0 });
    for (let seq = 1; seq <= 3; seq++) {
      a.call.write({ heartbeat: { seq, sentAtMs: Date.now(), resources: { takenAtMs: Date.now(), cpu: { usagePercent: 12.5, load1: 0.5, load5: 0.4, load15: 0.3, cores: 2 } }, collectors: [] } });
    }
    // Memory has every heartbeat; the store (the shipped 30 s pace) only the first.
    await waitFor(() => coord.registry.get('web-1.example.com')?.lastSeq === 3);
    const h = coord.registry.get('web-1.example.com')!;
    expect(h.state).toBe('online');
    expect(h.latestSample?.cpu?.usagePercent).toBe(12.5);
    const svc = { name: 'api', state: 'failed', pids: [], checks: [], errorRate: null, recovering: false, budgetUsed: 0, budgetMax: 3, exhausted: false, manager: 'process', sinceMs: 0, logLinesScanned: 0, logLinesSkipped: 0, memoryBytes: 0, memoryPercent: 0 };
    a.call.write({ heartbeat: { seq: 4, sentAtMs: Date.now(), collectors: [], services: [svc] } });
    await waitFor(() => a.got.some((m) => m.ack?.seq === 4));
    expect(a.got.filter((m) => m.ack).map((m) => m.ack.seq)).toEqual([1, 4]);
    const row = storedRow('web-1.example.com')!;
    expect(row.last_seq).toBe(4);
    expect(JSON.parse(row.service_status)).toMatchObject([{ name: 'api', state: 'failed' }]);
    expect(h.labels).toEqual({ zone: 'a' });
    a.call.write({ goodbye: { reason: 'test done' } });
    const st = await a.status;
    expect(st.code).toBe(grpc.status.OK);
    expect(coord.registry.get('web-1.example.com')!.state).toBe('left');
  });

  it('tells a reconnecting agent the last sequence number it stored', async () => {
    const a = open();
    a.call.write(hello('web-1.example.com'));
    const w = await waitFor(() => a.got.find((m) => m.welcome));
    expect(w.welcome.lastSeq).toBe(4);
    a.call.write({ goodbye: { reason: 'again' } });
    await a.status;
  });

  it('starts counting afresh for an agent that restarted', async () => {
    const a = open();
    a.call.write(hello('web-1.example.com', { startedAtMs: STARTED + 1 }));
    const w = await waitFor(() => a.got.find((m) => m.welcome));
    expect(w.welcome.lastSeq).toBe(0);
    a.call.write({ goodbye: { reason: 'again' } });
    await a.status;
  });
});

describe('agent stream - broken connections', () => {
  it('makes a host suspect at once and silent after the grace when its stream dies', async () => {
    const a = open();
    a.call.write(hello('crashy'));
    await waitFor(() => a.got.find((m) => m.welcome));
    a.call.cancel();
    await waitFor(() => coord.registry.get('crashy')?.state === 'suspect', 1000);
    const t0 = Date.now();
    await waitFor(() => coord.registry.get('crashy')?.state === 'silent', 2000);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('brings a silent host back online when it reconnects', async () => {
    const a = open();
    a.call.write(hello('crashy'));
    await waitFor(() => coord.registry.get('crashy')?.state === 'online');
    a.call.write({ goodbye: { reason: 'done' } });
    await a.status;
  });

  it('declares a host silent whose stream stays open but sends nothing', async () => {
    const a = open();
    a.call.write(hello('frozen', { intervalMs: 200 }));
    await waitFor(() => a.got.find((m) => m.welcome));
    await waitFor(() => coord.registry.get('frozen')?.state === 'silent', 3000);
    expect(coord.registry.isConnected('frozen')).toBe(true);
    a.call.write({ heartbeat: { seq: 1, sentAtMs: Date.now(), collectors: [] } });
    await waitFor(() => coord.registry.get('frozen')?.state === 'online', 2000);
    a.call.write({ goodbye: { reason: 'done' } });
    await a.status;
  });

  it('one stream per host - the same agent reconnecting (same startedAtMs) replaces its older stream at once', async () => {
    const a = open();
    a.call.write(hello('dup'));
    await waitFor(() => a.got.find((m) => m.welcome));
    const b = open();
    b.call.write(hello('dup'));
    await waitFor(() => b.got.find((m) => m.welcome));
    const old = await a.status;
    expect(old.code).toBe(grpc.status.ABORTED);
    expect(old.details).toMatch(/superseded by a newer stream/);
    expect(coord.registry.get('dup')!.state).toBe('online');
    b.call.write({ goodbye: { reason: 'done' } });
    await b.status;
  });

  it('one stream per host - a second agent is refused with ALREADY_EXISTS while the first stream is alive; the first keeps it', async () => {
    const a = open();
    a.call.write(hello('twin'));
    await waitFor(() => a.got.find((m) => m.welcome));
    let seq = 0;
    const beat = setInterval(() => a.call.write({ heartbeat: { seq: ++seq, sentAtMs: Date.now(), collectors: [] } }), 100);
    try {
      const b = open();
      b.call.write(hello('twin', { startedAtMs: STARTED + 1 }));
      const refused = await b.status;
      expect(refused.code).toBe(grpc.status.ALREADY_EXISTS);
      expect(refused.details).toMatch(/^host "twin" already has a live agent stream: another agent holds the stream for this host id/);
      expect(b.got.filter((m) => m.welcome)).toEqual([]);
      // The first agent's stream is untouched: its heartbeats still count, still the host's session.
      const heard = coord.registry.get('twin')!.lastSeq;
      await waitFor(() => coord.registry.get('twin')!.lastSeq > heard + 2);
      expect(coord.registry.isConnected('twin')).toBe(true);
      expect(coord.registry.get('twin')!.agentStartedAt).toBe(STARTED);
    } finally {
      clearInterval(beat);
    }
    a.call.write({ goodbye: { reason: 'done' } });
    await a.status;
  });

  it('one stream per host - once the held stream is quiet past the detection window (half-open), another agent gets in', async () => {
    const a = open();
    a.call.write(hello('half-open'));
    await waitFor(() => a.got.find((m) => m.welcome));
    // No heartbeats: like a stream whose peer vanished without a FIN. Until the detector
    // gives up on it, a second agent is refused...
    const early = open();
    early.call.write(hello('half-open', { startedAtMs: STARTED + 1 }));
    expect((await early.status).code).toBe(grpc.status.ALREADY_EXISTS);
    await waitFor(() => coord.registry.get('half-open')?.state === 'silent', 5000);
    // ...after it, the new agent takes over and the dead stream is ended.
    const b = open();
    b.call.write(hello('half-open', { startedAtMs: STARTED + 1 }));
    await waitFor(() => b.got.find((m) => m.welcome));
    expect((await a.status).code).toBe(grpc.status.ABORTED);
    expect(coord.registry.get('half-open')!.agentStartedAt).toBe(STARTED + 1);
    b.call.write({ goodbye: { reason: 'done' } });
    await b.status;
  });
});

describe('agent stream - events and requests', () => {
  it('stores each agent event once, acks the newest, and tells a reconnecting agent where to resume', async () => {
    const ev = (eventSeq: number) => ({ event: { eventSeq, atMs: Date.now(), service: 'web', type: 'step_started', step: 'step_1_graceful_restart', detail: `e${eventSeq}`, cause: '', requestId: '' } });
    const a = open();
    a.call.write(hello('evhost'));
    await waitFor(() => a.got.find((m) => m.welcome));
    a.call.write(ev(1));
    a.call.write(ev(2));
    a.call.write(ev(1));
    await waitFor(() => a.got.filter((m) => m.eventAck).length === 3);
    expect(a.got.filter((m) => m.eventAck).map((m) => m.eventAck.eventSeq)).toEqual([1, 2, 2]);
    a.call.cancel();
    const b = open();
    b.call.write(hello('evhost'));
    const w = await waitFor(() => b.got.find((m) => m.welcome));
    expect(w.welcome.lastEventSeq).toBe(2);
    b.call.write({ goodbye: { reason: 'done' } });
    await b.status;
  });

  it('sends a probe request to an agent and resolves it with the agent answer', async () => {
    const a = open();
    a.call.write(hello('prober'));
    await waitFor(() => a.got.find((m) => m.welcome));
    const pending = coord.channels.probe('prober', { kind: 'ping', target: '127.0.0.1' }, 2000);
    const req = await waitFor(() => a.got.find((m) => m.probe));
    expect(req.probe).toMatchObject({ kind: 'ping', target: '127.0.0.1' });
    a.call.write({ probeResult: { requestId: req.probe.requestId, kind: 'ping', target: '127.0.0.1', ok: true, durationMs: 5, transmitted: 4, received: 4 } });
    await expect(pending).resolves.toMatchObject({ ok: true, received: 4 });
    const lost = coord.channels.probe('prober', { kind: 'ssh', target: '127.0.0.1' }, 2000);
    a.call.cancel();
    await expect(lost).rejects.toThrow(/not connected/);
    await expect(coord.channels.probe('nobody', { kind: 'ping', target: 'x' }, 100)).rejects.toThrow(/not connected/);
  });

  it('ignores a probe answer sent by another host than the one asked, counts it and keeps both streams', async () => {
    const asked = open();
    asked.call.write(hello('probe-asked'));
    const other = open();
    other.call.write(hello('probe-other'));
    await waitFor(() => asked.got.find((m) => m.welcome) && other.got.find((m) => m.welcome));
    const pending = coord.channels.probe('probe-asked', { kind: 'ping', target: '127.0.0.1' }, 3000);
    const req = await waitFor(() => asked.got.find((m) => m.probe));
    const answer = (ok: boolean) => ({ probeResult: { requestId: req.probe.requestId, kind: 'ping', target: '127.0.0.1', ok, durationMs: 5, transmitted: 1, received: ok ? 1 : 0 } });
    other.call.write(answer(false));
    other.call.write(answer(false));
    const counted = async () => (await coord.app.inject({ method: 'GET', url: '/metrics' })).body.match(/vigil_agent_messages_rejected_total\{reason="probe_result_other_host"\} (\d+)/)?.[1];
    for (const end = Date.now() + 5000; (await counted()) !== '2'; await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error(`ignored answers counted: ${await counted()}`);
    }
    asked.call.write(answer(true));
    await expect(pending).resolves.toMatchObject({ ok: true, received: 1 });
    other.call.write({ heartbeat: { seq: 1, sentAtMs: Date.now(), collectors: [] } });
    await waitFor(() => other.got.find((m) => m.ack));
    asked.call.end();
    other.call.end();
  });
});

describe('agent stream - bad input', () => {
  it('refuses an invalid hello with INVALID_ARGUMENT naming the field and value', async () => {
    const a = open();
    a.call.write(hello('bad_host!'));
    const st = await a.status;
    expect(st.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(st.details).toMatch(/hello\.hostId/);
    expect(st.details).toMatch(/bad_host!/);
    expect(coord.registry.get('bad_host!')).toBeUndefined();
  });

  it('refuses a heartbeat before hello', async () => {
    const a = open();
    a.call.write({ heartbeat: { seq: 1, sentAtMs: 1, collectors: [] } });
    expect((await a.status).code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it('refuses malformed protobuf and oversized messages while other streams go on', async () => {
    const ok = open();
    ok.call.write(hello('bystander'));
    await waitFor(() => ok.got.find((m) => m.welcome));

    const garbage = openRaw();
    garbage.write(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    const g = await garbage.status;
    expect(g.code).toBe(grpc.status.INVALID_ARGUMENT);

    const big = open();
    big.call.write(hello('big', { labels: { blob: 'x'.repeat(200), more: 'y'.repeat(8000) } }));
    const b = await big.status;
    expect(b.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(b.details).toMatch(/exceeds the limit of 4096/);

    ok.call.write({ heartbeat: { seq: 1, sentAtMs: Date.now(), collectors: [] } });
    await waitFor(() => ok.got.some((m) => m.ack?.seq === 1));
    expect(coord.registry.get('bystander')!.state).toBe('online');
    ok.call.write({ goodbye: { reason: 'done' } });
    await ok.status;
  });

  it('refuses a heartbeat with impossible figures', async () => {
    const a = open();
    a.call.write(hello('weird'));
    await waitFor(() => a.got.find((m) => m.welcome));
    a.call.write({ heartbeat: { seq: 0, sentAtMs: 1, collectors: [] } });
    const st = await a.status;
    expect(st.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(st.details).toMatch(/heartbeat\.seq/);
  });
});
