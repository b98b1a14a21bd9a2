import { describe, expect, it } from 'vitest';
import { DEFAULT_DECISION_TREE, decisionTreeSchema, type Facts } from '@vigil/shared';
import { evaluateTree } from './evaluate-tree.js';

const healthy: Facts = { ping_ok: true, ssh_ok: true, dns_ok: true, agent_connected: true, service_state: 'running', error_rate: 0, log_causes: [] };
const run = (f: Partial<Facts>) => evaluateTree(DEFAULT_DECISION_TREE, { ...healthy, ...f });

describe('decision tree - the runbook classes', () => {
  it('ping fails → network_issue at 0.9', () => {
    const v = run({ ping_ok: false, ssh_ok: false, agent_connected: false });
    expect(v.outcome).toMatchObject({ class: 'network_issue', confidence: 0.9, next: 'network_diagnosis' });
    expect(v.path.map((p) => p.node)).toEqual(['network_connectivity']);
    expect(v.path[0]!.facts).toEqual({ ping_ok: false, dns_ok: true });
  });
  it('DNS fails → network_issue', () => {
    expect(run({ dns_ok: false }).outcome.class).toBe('network_issue');
  });
  it('ping ok, SSH fails → server_hardware_issue', () => {
    const v = run({ ssh_ok: false, agent_connected: false });
    expect(v.outcome.class).toBe('server_hardware_issue');
    expect(v.path.map((p) => `${p.node}:${p.result}`)).toEqual(['network_connectivity:false', 'ssh_connectivity:true']);
  });
  it('ping and SSH ok, agent gone → agent_failure', () => {
    expect(run({ agent_connected: false }).outcome.class).toBe('agent_failure');
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
    expect(v.path.find((p) => p.node === 'service_status_check')!.result).toBe('unknown');
  });
});

describe('decision tree - validation', () => {
  it('rejects dangling gotos and cycles', () => {
    const bad = decisionTreeSchema.safeParse({
      root: 'a',
      nodes: {
        a: { description: 'a', when: { fact: 'ping_ok', op: 'eq', value: true }, then: { goto: 'b' }, otherwise: { goto: 'zzz' } },
        b: { description: 'b', when: { fact: 'ping_ok', op: 'eq', value: true }, then: { goto: 'a' }, otherwise: { goto: 'a' } },
      },
    });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toContain('nodes.a.otherwise.goto: no node "zzz"');
  });
});
