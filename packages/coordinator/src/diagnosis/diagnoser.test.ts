import { describe, expect, it } from 'vitest';
import { createLogger, FakeClock, type ValidProbeResult } from '@vigil/shared';
import type { ProbeAsk } from '../grpc/agent-channels.js';
import type { HostRecord, RegistryEvent, Transition } from '../registry/types.js';
import { Diagnoser, type DiagnoserOptions } from './diagnoser.js';

/*
 * The diagnoser's rules on a fake fleet: a registry of plain records, peers and the
 * coordinator answering probes from one table of what each vantage sees. Only the
 * network is fake; quorum, the tree and the findings are the real ones.
 */

const log = createLogger('test', 'silent');
const TARGET = 'web-1';
const ADDR = '10.0.0.5';
const PEERS = ['p1', 'p2', 'p3'];
const START = 1_700_000_000_000;

type Seen = { ping: boolean; ssh: ProbeOutcome; ports: Record<number, ProbeOutcome> };
type ProbeOutcome = 'ok' | 'refused' | 'timeout' | 'no_banner' | 'hang' | 'unanswered';

function record(id: string, over: Partial<HostRecord> = {}): HostRecord {
  return {
    id, state: 'online', stateSince: 0, hostname: id, agentVersion: '1', os: null, labels: {}, services: [], capabilities: ['probes'], intervalMs: 500,
    address: id === TARGET ? ADDR : `addr-${id}`, firstSeen: 0, lastSeen: START, lastSeq: 0, agentStartedAt: 1, latestSample: null, sampleAt: null, serviceStatus: [], ...over,
  };
}

function result(ask: ProbeAsk, outcome: 'ok' | 'refused' | 'timeout' | 'no_banner'): ValidProbeResult {
  const ok = outcome === 'ok';
  return {
    requestId: 'r', kind: ask.kind, target: ask.target, ok, durationMs: 1, error: ok ? '' : `${outcome}: ${outcome === 'refused' ? 'connection refused' : outcome === 'no_banner' ? 'no SSH banner within 10000 ms' : 'no answer'}`,
    transmitted: ask.kind === 'ping' ? 4 : 0, received: ask.kind === 'ping' && ok ? 4 : 0, lossPercent: ok ? 0 : 100, rttAvgMs: 0,
    banner: ask.kind === 'ssh' && ok ? 'SSH-2.0-OpenSSH_9.2' : '', addresses: [], statusCode: 0, refused: '',
  };
}

class Fleet {
  readonly clock = new FakeClock(START);
  readonly hosts = new Map<string, HostRecord>();
  readonly connected = new Set<string>();
  readonly asks: { vantage: string; ask: ProbeAsk }[] = [];
  /** What every vantage sees of the target. */
  seen: Seen = { ping: true, ssh: 'ok', ports: {} };
  private readonly subscribers: ((e: RegistryEvent) => void)[] = [];

  constructor(target: Partial<HostRecord> = {}) {
    for (const p of PEERS) this.add(record(p));
    this.add(record(TARGET, target));
  }

  add(h: HostRecord): void {
    this.hosts.set(h.id, h);
    this.connected.add(h.id);
  }

  readonly registry = {
    get: (id: string) => this.hosts.get(id),
    all: () => this.hosts.values(),
    isConnected: (id: string) => this.connected.has(id),
    subscribe: (fn: (e: RegistryEvent) => void) => void this.subscribers.push(fn),
  };

  private answer(vantage: string, ask: ProbeAsk): Promise<ValidProbeResult> {
    this.asks.push({ vantage, ask });
    const outcome: ProbeOutcome = ask.kind === 'ping' ? (this.seen.ping ? 'ok' : 'timeout') : ask.kind === 'ssh' ? this.seen.ssh : ask.kind === 'tcp' ? (this.seen.ports[ask.port!] ?? 'refused') : 'ok';
    // `hang`: a probe that would run into its timeout; the diagnosis must not need it.
    if (outcome === 'unanswered') return Promise.reject(new Error(`${vantage} did not answer within 5000 ms`));
    return outcome === 'hang' ? new Promise(() => {}) : Promise.resolve(result(ask, outcome));
  }

  readonly channels = { isAttached: (id: string) => this.connected.has(id), probe: (peer: string, ask: ProbeAsk) => this.answer(peer, ask) };
  readonly local = { probe: (ask: ProbeAsk) => this.answer('coordinator', ask) };

  diagnoser(opts: Partial<DiagnoserOptions> = {}): Diagnoser {
    return new Diagnoser(this.registry, this.channels, this.local, log, { clock: this.clock, ...opts });
  }

  private transition(to: Transition['to'], from: Transition['from'], reason: string): void {
    const h = this.hosts.get(TARGET)!;
    h.state = to;
    const t: Transition = { hostId: TARGET, from, to, reason, at: this.clock.now() };
    for (const fn of this.subscribers) fn({ type: 'transition', transition: t, host: h });
  }

  /** The agent process dies: its kernel closes the stream; the grace runs out 300 ms later. */
  agentKilled(): void {
    this.connected.delete(TARGET);
    this.transition('suspect', 'online', 'stream closed without goodbye: connection lost');
    this.clock.advance(300);
    this.transition('silent', 'suspect', 'no reconnect within 300 ms of the stream closing');
  }

  /** Heartbeats stop on an open stream (a hung host). */
  agentQuiet(): void {
    this.transition('silent', 'online', 'no heartbeat for 1000 ms (phi 9.1)');
  }
}

const web = (ports: number[]) => ({ services: [{ name: 'web', manager: 'process', recoveryEnabled: true, ports }] });

describe('diagnoser - the SSH step is judged against what the host serves', () => {
  it('a killed agent on a host without SSH on 22 whose service port answers → agent_failure 0.7, not hardware; findings say why', async () => {
    const f = new Fleet(web([8080]));
    f.seen = { ping: true, ssh: 'refused', ports: { 8080: 'ok' } };
    const d = f.diagnoser();
    f.agentKilled();
    f.clock.advance(1800);
    const r = await d.diagnose(TARGET);
    expect(r.verdict.outcome).toMatchObject({ class: 'agent_failure', confidence: 0.7 });
    expect(r.findings).toEqual([
      'ping: 4/4 vantages answered',
      'dns: "web-1" resolved at 4/4 vantages',
      'ssh: port 22 (fleet setting): banner at 0/4, refused at 4/4',
      'agent: stream closed 2.1 s ago (stream closed without goodbye: connection lost), no reconnect',
      'service ports: web:8080 answered at 4/4',
    ]);
    expect(r.verdict.path.map((p) => [p.node, p.result, p.next])).toEqual([
      ['network_connectivity', 'reachable', 'agent_stream'],
      ['agent_stream', 'disconnected', 'ssh_connectivity'],
      ['ssh_connectivity', 'failed', 'ssh_failure_mode'],
      ['ssh_failure_mode', 'not reachable', 'service_ports_after_ssh_failure'],
      ['service_ports_after_ssh_failure', 'answered', 'agent_failure'],
    ]);
    expect(r.facts).toMatchObject({ ping_ok: true, ssh_ok: false, agent_connected: false, service_port_ok: true, stream_closed: true });
    expect(r.notes.join('\n')).toMatch(/SSH on port 22 could not be reached but a declared service port answered.*sshPort/);
    expect(r.target).toMatchObject({ sshPort: 22, sshPortFrom: 'fleet', servicePorts: [{ service: 'web', port: 8080 }] });
    // Every vantage connected to the declared port on the host's address.
    expect(f.asks.filter((a) => a.ask.kind === 'tcp').map((a) => `${a.vantage} ${a.ask.target}:${a.ask.port}`).sort()).toEqual(
      ['coordinator', ...PEERS].map((v) => `${v} ${ADDR}:8080`).sort(),
    );
  });

  it('a healthy host whose agent is connected is healthy even when SSH fails from everywhere', async () => {
    const f = new Fleet();
    f.seen = { ping: true, ssh: 'timeout', ports: {} };
    f.clock.advance(400);
    const r = await f.diagnoser().diagnose(TARGET);
    expect(r.facts).toMatchObject({ ssh_ok: false, agent_connected: true });
    expect(r.verdict.outcome.class).toBe('healthy');
    expect(r.findings).toContain('agent: stream connected, last heartbeat 0.4 s ago');
    expect(r.verdict.path.map((p) => p.node)).not.toContain('ssh_connectivity');
  });

  it('SSH failing with nothing else of the host answering stays server_hardware_issue 0.85', async () => {
    const f = new Fleet(web([8080]));
    f.seen = { ping: true, ssh: 'refused', ports: { 8080: 'refused' } };
    const d = f.diagnoser();
    f.agentKilled();
    const r = await d.diagnose(TARGET);
    expect(r.verdict.outcome).toMatchObject({ class: 'server_hardware_issue', confidence: 0.85 });
    expect(r.findings).toContain('service ports: web:8080 answered at 0/4 (refused at 4/4)');
  });

  it('a host whose SSH accepts connections but never sends a banner is hardware 0.85, though its service port accepts connections too', async () => {
    const f = new Fleet(web([8080]));
    f.seen = { ping: true, ssh: 'no_banner', ports: { 8080: 'ok' } };
    const d = f.diagnoser();
    f.agentQuiet();
    const r = await d.diagnose(TARGET);
    expect(r.facts).toMatchObject({ ssh_ok: false, ssh_no_banner: true, service_port_ok: true });
    expect(r.verdict.outcome).toMatchObject({ class: 'server_hardware_issue', confidence: 0.85 });
    expect(r.findings).toContain('ssh: port 22 (fleet setting): banner at 0/4, no_banner at 4/4');
    expect(r.notes).toContain('SSH on port 22 accepted connections but sent no banner: the kernel answers, the host\'s userland does not.');
  });

  it('the agent\'s sshPort wins over the ssh_port label, which wins over the fleet default', async () => {
    const f = new Fleet({ sshPort: 2222, labels: { ssh_port: '2200' } });
    await f.diagnoser().diagnose(TARGET);
    expect(new Set(f.asks.filter((a) => a.ask.kind === 'ssh').map((a) => a.ask.port))).toEqual(new Set([2222]));

    const g = new Fleet({ labels: { ssh_port: '2200' } });
    const r = await g.diagnoser({ sshPort: 22 }).diagnose(TARGET);
    expect(r.target).toMatchObject({ sshPort: 2200, sshPortFrom: 'label' });
    expect(r.findings).toContain('ssh: port 2200 (label setting): banner at 4/4');

    const h = new Fleet({ labels: { ssh_port: 'twenty-two' } });
    const bad = await h.diagnoser({ sshPort: 2022 }).diagnose(TARGET);
    expect(bad.target).toMatchObject({ sshPort: 2022, sshPortFrom: 'fleet' });
    expect(bad.notes).toContain('label ssh_port="twenty-two" is neither a port (1-65535) nor "none"; the fleet default was used');
  });

  it('sshPort none: no SSH probe is sent, and the agent stream and service ports decide with a confidence that says so', async () => {
    const f = new Fleet({ sshPort: 'none', ...web([8080]) });
    f.seen = { ping: true, ssh: 'ok', ports: { 8080: 'ok' } };
    const d = f.diagnoser();
    f.agentKilled();
    const r = await d.diagnose(TARGET);
    expect(f.asks.filter((a) => a.ask.kind === 'ssh')).toEqual([]);
    expect(r.facts.ssh_ok).toBeNull();
    expect(r.verdict.outcome).toMatchObject({ class: 'agent_failure', confidence: 0.75 });
    expect(r.findings).toContain('ssh: none to judge (sshPort is "none" by the agent setting)');
    expect(r.notes.join('\n')).toMatch(/no SSH to judge; a declared service port answered: confidence 0.75/);
  });

  it('fleet sshPort none, no ports: a stream the host closed → agent_failure 0.6; a stream that went quiet → hardware 0.5', async () => {
    const killed = new Fleet();
    const d1 = killed.diagnoser({ sshPort: 'none' });
    killed.agentKilled();
    expect((await d1.diagnose(TARGET)).verdict.outcome).toMatchObject({ class: 'agent_failure', confidence: 0.6 });

    const hung = new Fleet();
    const d2 = hung.diagnoser({ sshPort: 'none' });
    hung.agentQuiet();
    const r = await d2.diagnose(TARGET);
    expect(r.verdict.outcome).toMatchObject({ class: 'server_hardware_issue', confidence: 0.5 });
    expect(r.findings).toContain('agent: heartbeats stopped 0.0 s ago on an open stream (no heartbeat for 1000 ms (phi 9.1))');
    expect(r.notes.join('\n')).toMatch(/nothing but ping answered/);
  });

  it('a failed network step does not wait for SSH or the service ports', async () => {
    const f = new Fleet(web([8080]));
    f.seen = { ping: false, ssh: 'hang', ports: { 8080: 'hang' } };
    const d = f.diagnoser();
    f.agentQuiet();
    const r = await d.diagnose(TARGET);
    expect(r.verdict.outcome.class).toBe('network_issue');
    expect(r.findings).toContain('ping: 0/4 vantages answered (timeout at 4/4)');
    expect(r.findings).toContain('ssh: not waited for (the network step failed)');
    expect(r.findings).toContain('service ports: not waited for (the network step failed)');
  });

  it('a port probe a vantage could not run costs that port its vote, not the vantage its SSH vote', async () => {
    const f = new Fleet(web([8080]));
    f.seen = { ping: true, ssh: 'refused', ports: { 8080: 'unanswered' } };
    const d = f.diagnoser();
    f.agentKilled();
    const r = await d.diagnose(TARGET);
    expect(r.vantages.every((v) => v.healthy)).toBe(true);
    expect(r.quorum.ssh).toMatchObject({ votesOk: 0, votesFail: 4 });
    expect(r.facts.service_port_ok).toBeNull();
    expect(r.findings).toContain('service ports: web:8080 not probed');
    expect(r.verdict.outcome).toMatchObject({ class: 'server_hardware_issue', confidence: 0.85 });
  });

  it('declared ports are probed once each, at most two', async () => {
    const f = new Fleet({ services: [{ name: 'a', manager: 'process', recoveryEnabled: true, ports: [80, 80, 443] }, { name: 'b', manager: 'process', recoveryEnabled: true, ports: [5432] }] });
    const r = await f.diagnoser().diagnose(TARGET);
    expect(r.target.servicePorts).toEqual([{ service: 'a', port: 80 }, { service: 'a', port: 443 }]);
    expect(new Set(f.asks.filter((a) => a.ask.kind === 'tcp').map((a) => a.ask.port))).toEqual(new Set([80, 443]));
  });
});
