import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, type ValidHello, type ValidProbeResult } from '@vigil/shared';
import type { ProbeAsk } from '../../grpc/agent-channels.js';
import { openApiFixture, type ApiFixture } from '../../test-support/api-fixture.js';

/*
 * POST /v1/hosts/{id}/diagnose through the real app, registry and store, with the
 * coordinator's own prober answering from a table: here nothing serves SSH on port 22
 * (refused), ping answers, and port 8080 of the hosts that declare it answers.
 */

let fx: ApiFixture;
let app: FastifyInstance;
const clock = new FakeClock(Date.parse('2026-12-03T14:00:00Z'));
const asks: ProbeAsk[] = [];

/** While set, SSH probes wait for it: a streamed answer must show what arrived before. */
let sshGate: Promise<void> | undefined;

function answer(ask: ProbeAsk): ValidProbeResult {
  asks.push(ask);
  const ok = ask.kind === 'ping' || ask.kind === 'dns' || (ask.kind === 'tcp' && ask.port === 8080) || (ask.kind === 'ssh' && ask.port === 2222);
  return {
    requestId: 'r', kind: ask.kind, target: ask.target, ok, durationMs: 1, error: ok ? '' : 'refused: connection refused', transmitted: ask.kind === 'ping' ? 4 : 0,
    received: ask.kind === 'ping' ? 4 : 0, lossPercent: 0, rttAvgMs: 0.1, banner: ok && ask.kind === 'ssh' ? 'SSH-2.0-OpenSSH_9.2p1' : '', addresses: [], statusCode: 0, refused: '',
  };
}

const hello = (hostId: string, over: Partial<ValidHello> = {}): ValidHello => ({
  hostId, agentVersion: '0.1.0', hostname: hostId, os: null, services: [], capabilities: [], intervalMs: 1000, labels: { address: `10.1.0.${hostId.length}` }, startedAtMs: 1, ...over,
});

interface Body {
  diagnosis: {
    target: { sshPort: number | null; sshPortFrom: string };
    facts: Record<string, unknown>;
    findings: string[];
    notes: string[];
    verdict: { outcome: { class: string; confidence: number }; path: { node: string; finding: string; result: string; next: string }[] };
  };
}

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-diagnose', clock, registry: { disconnectGraceMs: 300 }, probe: async (ask) => {
    if (ask.kind === 'ssh' && sshGate) await sshGate;
    return answer(ask);
  } });
  const { registry } = fx;
  registry.hello(hello('up-1'), 1000, 1);
  registry.hello(hello('killed-1', { services: [{ name: 'web', manager: 'process', recoveryEnabled: true, ports: [8080] }] }), 1000, 2);
  registry.hello(hello('ssh2222-1', { sshPort: 2222 }), 1000, 3);
  registry.hello(hello('nossh-1', { sshPort: 0 }), 1000, 4);
  // killed-1's agent dies: its stream closes, the grace runs out.
  registry.streamClosed('killed-1', 2, 'connection lost');
  clock.advance(2000);
  app = await fx.build({ natsConnected: () => false });
});

afterAll(async () => {
  await fx.close();
});

async function diagnose(id: string): Promise<Body['diagnosis']> {
  const res = await app.inject({ method: 'POST', url: `/v1/hosts/${id}/diagnose` });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as Body).diagnosis;
}

describe('http api - diagnose', () => {
  it('a healthy host with its agent connected is healthy, never hardware, though nothing answers SSH on 22', async () => {
    const d = await diagnose('up-1');
    expect(d.facts).toMatchObject({ ping_ok: true, ssh_ok: false, agent_connected: true });
    expect(d.verdict.outcome.class).toBe('healthy');
    expect(d.findings).toEqual(expect.arrayContaining(['ping: 1/1 vantages answered', 'ssh: port 22 (fleet setting): banner at 0/1, refused at 1/1', 'agent: stream connected, last heartbeat 2.0 s ago']));
    expect(d.verdict.path.map((s) => `${s.node}: ${s.finding} → ${s.result} → ${s.next}`)).toEqual([
      'network_connectivity: ping: 1/1 vantages answered; dns: "up-1" resolved at 1/1 vantages → reachable → agent_stream',
      'agent_stream: agent: stream connected, last heartbeat 2.0 s ago → connected → service_status_check',
      'service_status_check: service_state=unknown → not reported → error_rate_check',
      'error_rate_check: service_state=unknown; error_rate=unknown → not measured → healthy',
    ]);
  });

  it('a host whose agent was killed, with no SSH on 22 but its service port answering, is agent_failure 0.7', async () => {
    const d = await diagnose('killed-1');
    expect(d.verdict.outcome).toEqual({ class: 'agent_failure', confidence: 0.7, next: 'agent_repair' });
    expect(d.findings).toContain('agent: stream closed 2.0 s ago (stream closed without goodbye: connection lost), no reconnect');
    expect(d.findings).toContain('service ports: web:8080 answered at 1/1');
    expect(d.notes).toContain('no healthy peer agent could probe: the coordinator judged alone');
  });

  it("the SSH step probes the port the agent declared, and none when it declared none", async () => {
    asks.length = 0;
    const d = await diagnose('ssh2222-1');
    expect(d.target).toEqual(expect.objectContaining({ sshPort: 2222, sshPortFrom: 'agent' }));
    expect(asks.filter((a) => a.kind === 'ssh').map((a) => a.port)).toEqual([2222]);
    expect(d.facts.ssh_ok).toBe(true);

    asks.length = 0;
    const n = await diagnose('nossh-1');
    expect(asks.filter((a) => a.kind === 'ssh')).toEqual([]);
    expect(n.target).toEqual(expect.objectContaining({ sshPort: null, sshPortFrom: 'agent' }));
    expect(n.findings).toContain('ssh: none to judge (sshPort is "none" by the agent setting)');
  });

  it('streamed (?stream=1 or Accept: application/x-ndjson): start, each vantage as it answers, then the same diagnosis', async () => {
    const plain = await diagnose('up-1');
    for (const ask of [{ url: '/v1/hosts/up-1/diagnose?stream=1', headers: {} }, { url: '/v1/hosts/up-1/diagnose', headers: { accept: 'application/x-ndjson' } }]) {
      const res = await app.inject({ method: 'POST', ...ask });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = res.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; phase?: string; report?: { vantage: string; ping?: unknown; ssh?: unknown }; diagnosis?: Body['diagnosis'] });
      expect(lines.map((l) => `${l.type}${l.phase ? `:${l.phase}` : ''}`)).toEqual(['start', 'vantage:network', 'vantage:checks', 'diagnosis']);
      expect(lines[0]).toMatchObject({ hostId: 'up-1', vantages: [{ vantage: 'coordinator', kind: 'coordinator' }] });
      expect(lines[1]!.report).toMatchObject({ vantage: 'coordinator', ping: { ok: true } });
      expect(lines[1]!.report!.ssh).toBeUndefined();
      expect(lines[2]!.report).toMatchObject({ vantage: 'coordinator', ssh: { ok: false } });
      const d = lines[3]!.diagnosis!;
      expect(d.verdict).toEqual(plain.verdict);
      expect(d.findings).toEqual(plain.findings);
    }
    // The default answer is unchanged: one JSON object, even when the client accepts anything.
    const json = await app.inject({ method: 'POST', url: '/v1/hosts/up-1/diagnose', headers: { accept: '*/*' } });
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(json.json() as object)).toEqual(['diagnosis']);
  });

  it('streamed over a real socket: the network step arrives while the SSH probe is still out', async () => {
    let release!: () => void;
    sshGate = new Promise((r) => (release = r));
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${address}/v1/hosts/up-1/diagnose?stream=1`, { method: 'POST' });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while ((text.match(/\n/g) ?? []).length < 2) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      expect(text.split('\n').slice(0, 2).map((l) => (JSON.parse(l) as { type: string; phase?: string }).phase ?? 'start')).toEqual(['start', 'network']);
      release();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      expect(text.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type).slice(2)).toEqual(['vantage', 'diagnosis']);
    } finally {
      sshGate = undefined;
      release();
    }
  });

  it('the OpenAPI document names the stream parameter and both answers', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, { post?: { parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    const op = doc.paths['/v1/hosts/{id}/diagnose']!.post!;
    expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'stream', in: 'query' })]));
    expect(Object.keys(op.responses['200']!.content ?? {}).sort()).toEqual(['application/json', 'application/x-ndjson']);
  });

  it('a bad stream parameter is 400 naming it', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/hosts/up-1/diagnose?stream=maybe' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('stream');
    expect(res.body).toContain('maybe');
  });

  it('an unknown host is 404', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/hosts/nope-1/diagnose' });
    expect(res.statusCode).toBe(404);
  });
});
