import { describe, expect, it } from 'vitest';
import { DEFAULT_DECISION_TREE, decisionTreeSchema, type Facts } from '@vigil/shared';
import { evaluateTree } from './evaluate-tree.js';

const healthy: Facts = { ping_ok: true, ssh_ok: true, ssh_no_banner: null, dns_ok: true, agent_connected: true, service_port_ok: null, stream_closed: null, service_state: 'running', error_rate: 0, log_causes: [] };
const run = (f: Partial<Facts>) => evaluateTree(DEFAULT_DECISION_TREE, { ...healthy, ...f });
const steps = (f: Partial<Facts>) => run(f).path.map((p) => `${p.node}:${p.result}→${p.next}`);
/** An agent that is gone: the cases the SSH step and the other evidence decide. */
const gone = (f: Partial<Facts>) => run({ agent_connected: false, service_state: null, error_rate: null, ...f });

describe('decision tree - the runbook classes', () => {
  it('ping fails → network_issue at 0.9', () => {
    const v = run({ ping_ok: false, ssh_ok: false, agent_connected: false });
    expect(v.outcome).toMatchObject({ class: 'network_issue', confidence: 0.9, next: 'network_diagnosis' });
    expect(v.path).toHaveLength(1);
    expect(v.path[0]).toMatchObject({ node: 'network_connectivity', result: 'unreachable', next: 'network_issue', facts: { ping_ok: false, dns_ok: true } });
  });
  it('DNS fails → network_issue', () => {
    expect(run({ dns_ok: false }).outcome.class).toBe('network_issue');
  });
  it('ping ok, SSH fails, nothing else answers → server_hardware_issue at 0.85', () => {
    const v = gone({ ssh_ok: false });
    expect(v.outcome).toMatchObject({ class: 'server_hardware_issue', confidence: 0.85, next: 'server_hardware_check' });
    expect(steps({ ssh_ok: false, agent_connected: false, service_state: null })).toEqual([
      'network_connectivity:reachable→agent_stream',
      'agent_stream:disconnected→ssh_connectivity',
      'ssh_connectivity:failed→ssh_failure_mode',
      'ssh_failure_mode:not reachable→service_ports_after_ssh_failure',
      'service_ports_after_ssh_failure:none declared→server_hardware_issue',
    ]);
    expect(gone({ ssh_ok: false, service_port_ok: false }).outcome).toMatchObject({ class: 'server_hardware_issue', confidence: 0.85 });
  });
  it('ping and SSH ok, agent gone → agent_failure at 0.9', () => {
    expect(gone({}).outcome).toMatchObject({ class: 'agent_failure', confidence: 0.9, next: 'agent_repair' });
  });
  it('SSH ok, service inactive or failed → service_failure at 0.95', () => {
    expect(run({ service_state: 'inactive' }).outcome).toMatchObject({ class: 'service_failure', confidence: 0.95 });
    expect(run({ service_state: 'failed' }).outcome.class).toBe('service_failure');
  });
  it('service running with 5 % errors → partial_failure at 0.8; 1 % exactly is not high', () => {
    expect(run({ error_rate: 0.05 }).outcome).toMatchObject({ class: 'partial_failure', confidence: 0.8, next: 'application_level_diagnosis' });
    expect(run({ error_rate: 0.01 }).outcome.class).toBe('healthy');
  });
  it('unknown facts follow the unknown branch instead of guessing', () => {
    const v = run({ dns_ok: null, service_state: null, error_rate: null });
    expect(v.outcome.class).toBe('healthy');
    expect(v.path.find((p) => p.node === 'service_status_check')).toMatchObject({ result: 'not reported', next: 'error_rate_check' });
  });
});

describe('decision tree - a connected agent is never a hardware verdict', () => {
  it('for every SSH, service-port and stream fact, a connected host is judged by its services, not the SSH step', () => {
    const tri = [true, false, null] as const;
    for (const ssh_ok of tri) {
      for (const service_port_ok of tri) {
        for (const stream_closed of tri) {
          for (const service_state of ['running', 'failed', null] as const) {
            const v = run({ ssh_ok, service_port_ok, stream_closed, service_state, agent_connected: true });
            expect(v.outcome.class, JSON.stringify({ ssh_ok, service_port_ok, stream_closed, service_state })).not.toBe('server_hardware_issue');
            expect(v.path.map((p) => p.node)).not.toContain('ssh_connectivity');
          }
        }
      }
    }
  });
  it('a healthy connected host with no SSH reads forwards: reachable → connected → running → normal', () => {
    expect(steps({ ssh_ok: null })).toEqual([
      'network_connectivity:reachable→agent_stream',
      'agent_stream:connected→service_status_check',
      'service_status_check:running→error_rate_check',
      'error_rate_check:normal→healthy',
    ]);
  });
});

describe('decision tree - when the SSH step cannot be judged, other evidence decides with less confidence', () => {
  it('SSH connected but sent no banner → server_hardware_issue at 0.85, whatever the service ports say', () => {
    for (const service_port_ok of [true, false, null]) {
      const v = gone({ ssh_ok: false, ssh_no_banner: true, service_port_ok });
      expect(v.outcome).toMatchObject({ class: 'server_hardware_issue', confidence: 0.85 });
      expect(v.path.at(-1)).toMatchObject({ node: 'ssh_failure_mode', result: 'connected, no banner', next: 'server_hardware_issue' });
    }
  });
  it('SSH not reachable (refused, filtered) but a declared service port answers → agent_failure at 0.7, not hardware', () => {
    const v = gone({ ssh_ok: false, ssh_no_banner: false, service_port_ok: true });
    expect(v.outcome).toMatchObject({ class: 'agent_failure', confidence: 0.7, next: 'agent_repair' });
    expect(v.path.at(-1)).toMatchObject({ node: 'service_ports_after_ssh_failure', result: 'answered', next: 'agent_failure' });
  });
  it('no SSH configured and a service port answers → agent_failure at 0.75', () => {
    expect(gone({ ssh_ok: null, service_port_ok: true }).outcome).toMatchObject({ class: 'agent_failure', confidence: 0.75 });
  });
  it('no SSH, declared ports all silent → server_hardware_issue at only 0.5', () => {
    expect(gone({ ssh_ok: null, service_port_ok: false, stream_closed: true }).outcome).toMatchObject({ class: 'server_hardware_issue', confidence: 0.5 });
  });
  it('no SSH, no ports: the host closing the agent stream → agent_failure at 0.6; a stream that went quiet → hardware at 0.5', () => {
    expect(gone({ ssh_ok: null, stream_closed: true }).outcome).toMatchObject({ class: 'agent_failure', confidence: 0.6 });
    expect(gone({ ssh_ok: null, stream_closed: false }).outcome).toMatchObject({ class: 'server_hardware_issue', confidence: 0.5 });
    expect(gone({ ssh_ok: null, stream_closed: null }).path.at(-1)).toMatchObject({ node: 'stream_end', result: 'not seen', next: 'server_hardware_issue' });
  });
  it('every leaf reached on weaker evidence is below the 0.85 of a clean SSH failure', () => {
    for (const f of [{ ssh_ok: false, service_port_ok: true }, { ssh_ok: null, service_port_ok: true }, { ssh_ok: null, stream_closed: true }, { ssh_ok: null, stream_closed: false }] as Partial<Facts>[]) {
      expect(gone(f).outcome.confidence, JSON.stringify(f)).toBeLessThan(0.85);
    }
  });
});

describe('decision tree - path steps carry findings in words', () => {
  it('each step shows the findings of the facts its node read, and the branch taken', () => {
    const v = evaluateTree(
      DEFAULT_DECISION_TREE,
      { ...healthy, agent_connected: false, ssh_ok: false, ssh_no_banner: false, service_port_ok: true, service_state: null },
      { ping_ok: 'ping: 4/4 vantages answered', dns_ok: 'dns: not checked', ssh_ok: 'ssh: port 22: banner at 0/4, refused at 4/4', agent_connected: 'agent: stream closed 2.1 s ago', service_port_ok: 'service ports: web:8080 answered at 4/4' },
    );
    expect(v.path.map((p) => ({ node: p.node, finding: p.finding, result: p.result, next: p.next }))).toEqual([
      { node: 'network_connectivity', finding: 'ping: 4/4 vantages answered; dns: not checked', result: 'reachable', next: 'agent_stream' },
      { node: 'agent_stream', finding: 'agent: stream closed 2.1 s ago', result: 'disconnected', next: 'ssh_connectivity' },
      { node: 'ssh_connectivity', finding: 'ssh: port 22: banner at 0/4, refused at 4/4', result: 'failed', next: 'ssh_failure_mode' },
      { node: 'ssh_failure_mode', finding: 'ssh_no_banner=false', result: 'not reachable', next: 'service_ports_after_ssh_failure' },
      { node: 'service_ports_after_ssh_failure', finding: 'service ports: web:8080 answered at 4/4', result: 'answered', next: 'agent_failure' },
    ]);
  });
  it('a fact without words is shown as name=value', () => {
    expect(run({ ping_ok: false }).path[0]!.finding).toBe('ping_ok=false; dns_ok=true');
  });
});

describe('decision tree - validation', () => {
  const node = (then: object, otherwise: object) => ({ description: 'x', when: { fact: 'ping_ok', op: 'eq', value: true }, then, otherwise, results: { then: 'yes', otherwise: 'no' } });
  it('rejects dangling gotos and cycles', () => {
    const bad = decisionTreeSchema.safeParse({ root: 'a', nodes: { a: node({ goto: 'b' }, { goto: 'zzz' }), b: node({ goto: 'a' }, { goto: 'a' }) } });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toContain('nodes.a.otherwise.goto: no node "zzz"');
    expect(messages).toContain('nodes: the tree has a cycle');
  });
  it('requires each node to name its branches', () => {
    const { results: _r, ...unnamed } = node({ outcome: { class: 'healthy', confidence: 1, next: 'none' } }, { outcome: { class: 'healthy', confidence: 1, next: 'none' } });
    const bad = decisionTreeSchema.safeParse({ root: 'a', nodes: { a: unnamed } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toContain('nodes.a.results');
  });
});
