import { z } from 'zod';
import { PROBLEM_CLASSES } from './classes.js';

/**
 * Runbook sections 1 and 8 as one tree over facts. A node tests a condition and names
 * the next node or an outcome for each branch; outcomes carry the class and the
 * confidence. Facts may be unknown (null): a condition on an unknown fact is "unknown",
 * and a node may name where "unknown" goes (else it follows `otherwise`). Each node names
 * what each branch means (`results`), so a recorded path reads forwards: "ping: reachable
 * → agent_stream", not "the failure test was false".
 */
export const FACT_NAMES = ['ping_ok', 'ssh_ok', 'ssh_no_banner', 'dns_ok', 'agent_connected', 'service_port_ok', 'stream_closed', 'service_state', 'error_rate', 'log_causes'] as const;
export type FactName = (typeof FACT_NAMES)[number];

export interface Facts {
  ping_ok: boolean | null;
  /** null when the host has no SSH to judge (its SSH port is `none`) or no vantage could probe it. */
  ssh_ok: boolean | null;
  /**
   * SSH failed because the vantages connected but heard no banner (true: something holds
   * the port and never speaks, the sign of a stuck userland), or failed to connect at all
   * (false: refused, filtered, unreachable); null when SSH did not fail.
   */
  ssh_no_banner: boolean | null;
  dns_ok: boolean | null;
  agent_connected: boolean | null;
  /**
   * A port the host's services declare answered a TCP connect from the healthy
   * vantages' majority (true), none did (false); null when no port is declared.
   */
  service_port_ok: boolean | null;
  /**
   * The agent's stream was closed from the host's side (its process ended while the
   * kernel ran) before heartbeats were missed (true), or it went quiet while open or was
   * cut by a timeout (false); null when the coordinator did not see how it ended.
   */
  stream_closed: boolean | null;
  service_state: 'running' | 'inactive' | 'failed' | null;
  /** Share of 5xx answers, 0-1. */
  error_rate: number | null;
  log_causes: string[];
}

export type Condition =
  | { fact: FactName; op: 'eq' | 'ne'; value: boolean | string | number }
  | { fact: FactName; op: 'gt' | 'lt'; value: number }
  | { fact: FactName; op: 'in'; value: (string | boolean)[] }
  | { fact: FactName; op: 'contains'; value: string }
  | { all: Condition[] }
  | { any: Condition[] };

const leaf = z.object({
  fact: z.enum(FACT_NAMES),
  op: z.enum(['eq', 'ne', 'gt', 'lt', 'in', 'contains']),
  value: z.union([z.boolean(), z.string(), z.number(), z.array(z.union([z.string(), z.boolean()]))]),
});
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([leaf, z.object({ all: z.array(conditionSchema).min(1) }), z.object({ any: z.array(conditionSchema).min(1) })]),
) as z.ZodType<Condition>;

export const outcomeSchema = z.object({
  class: z.enum([...PROBLEM_CLASSES, 'healthy']),
  confidence: z.number().min(0).max(1),
  /** The runbook's name for where this leads (next_step / then). */
  next: z.string().min(1),
});
export type Outcome = z.output<typeof outcomeSchema>;

const branch = z.union([z.object({ goto: z.string().min(1) }), z.object({ outcome: outcomeSchema })]);
export type Branch = z.output<typeof branch>;

const resultWord = z.string().min(1).max(40);

export const treeNodeSchema = z.object({
  description: z.string().min(1),
  when: conditionSchema,
  then: branch,
  otherwise: branch,
  /** Where to go when a fact the condition needs is unknown; defaults to `otherwise`. */
  unknown: branch.optional(),
  /** What each branch means, in words a path step shows as its result (e.g. `then: unreachable`). */
  results: z.object({ then: resultWord, otherwise: resultWord, unknown: resultWord.default('not judged') }).strict(),
});
export type TreeNode = z.output<typeof treeNodeSchema>;

export const decisionTreeSchema = z
  .object({ root: z.string(), nodes: z.record(z.string(), treeNodeSchema) })
  .superRefine((t, ctx) => {
    const names = new Set(Object.keys(t.nodes));
    if (!names.has(t.root)) ctx.addIssue({ code: 'custom', path: ['root'], message: `no node "${t.root}"` });
    for (const [name, node] of Object.entries(t.nodes)) {
      for (const key of ['then', 'otherwise', 'unknown'] as const) {
        const b = node[key];
        if (b && 'goto' in b && !names.has(b.goto)) ctx.addIssue({ code: 'custom', path: ['nodes', name, key, 'goto'], message: `no node "${b.goto}"` });
      }
    }
    // A cycle would make evaluation loop forever: reject it here, once.
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (n: string): boolean => {
      if (done.has(n)) return true;
      if (visiting.has(n)) return false;
      visiting.add(n);
      const node = t.nodes[n];
      const ok = !node || (['then', 'otherwise', 'unknown'] as const).every((k) => {
        const b = node[k];
        return !b || !('goto' in b) || visit(b.goto);
      });
      visiting.delete(n);
      done.add(n);
      return ok;
    };
    if (names.has(t.root) && !visit(t.root)) ctx.addIssue({ code: 'custom', path: ['nodes'], message: 'the tree has a cycle' });
  });
export type DecisionTree = z.output<typeof decisionTreeSchema>;

/** The default threshold for "high error rate" (runbook section 6: above 1 %). */
export const HIGH_ERROR_RATE = 0.01;

/**
 * The runbook's chain (section 1) with its decision nodes (section 8). Confidences 0.9,
 * 0.95 and 0.8 are the runbook's; the others are Vigil's reading for the leaves the
 * runbook gives no number:
 * - 0.85 hardware: ping answers and SSH connects but never sends its banner (a stuck
 *   userland; a service port's TCP connect cannot outweigh it, since the kernel completes
 *   handshakes for a frozen process), or SSH fails and nothing else of the host answers;
 * - 0.9 agent: ping and SSH answer, the agent is gone;
 * - 0.75 / 0.7 agent: SSH cannot be judged (none configured) or failed, but a declared
 *   service port answers, so the host is up and only its agent is gone; lower than a
 *   clean SSH answer because a service port says less about the host than a login daemon;
 * - 0.6 agent: no SSH and no service port to judge by, but the host itself closed the
 *   agent's stream (the agent process ended while the kernel ran);
 * - 0.5 hardware: no SSH and no service port to judge by, and the agent went quiet:
 *   nothing rules a hung host out, nothing confirms it.
 * A host whose agent is connected never reaches a hardware leaf: `agent_stream` comes
 * before the SSH step.
 */
export const DEFAULT_DECISION_TREE: DecisionTree = decisionTreeSchema.parse({
  root: 'network_connectivity',
  nodes: {
    network_connectivity: {
      description: 'ping -c 4 from healthy vantage points: packet loss < 25 %, and the name resolves',
      when: { any: [{ fact: 'ping_ok', op: 'eq', value: false }, { fact: 'dns_ok', op: 'eq', value: false }] },
      then: { outcome: { class: 'network_issue', confidence: 0.9, next: 'network_diagnosis' } },
      otherwise: { goto: 'agent_stream' },
      results: { then: 'unreachable', otherwise: 'reachable' },
    },
    agent_stream: {
      description: "is the host's agent connected and heartbeating? A connected agent rules out a host-level failure",
      when: { fact: 'agent_connected', op: 'eq', value: true },
      then: { goto: 'service_status_check' },
      otherwise: { goto: 'ssh_connectivity' },
      results: { then: 'connected', otherwise: 'disconnected' },
    },
    ssh_connectivity: {
      description: "SSH banner within the timeout from healthy vantage points, on the host's SSH port",
      when: { fact: 'ssh_ok', op: 'eq', value: true },
      then: { outcome: { class: 'agent_failure', confidence: 0.9, next: 'agent_repair' } },
      otherwise: { goto: 'ssh_failure_mode' },
      unknown: { goto: 'service_ports_without_ssh' },
      results: { then: 'answered', otherwise: 'failed', unknown: 'not judged' },
    },
    ssh_failure_mode: {
      description: 'SSH connected but no banner came (a stuck userland: the kernel still completes handshakes), or nothing reachable listens there (refused, filtered)?',
      when: { fact: 'ssh_no_banner', op: 'eq', value: true },
      then: { outcome: { class: 'server_hardware_issue', confidence: 0.85, next: 'server_hardware_check' } },
      otherwise: { goto: 'service_ports_after_ssh_failure' },
      results: { then: 'connected, no banner', otherwise: 'not reachable', unknown: 'not reachable' },
    },
    service_ports_after_ssh_failure: {
      description: "SSH cannot be reached: does a port the host's services declare still answer (then SSH is filtered or elsewhere, and the host is up)?",
      when: { fact: 'service_port_ok', op: 'eq', value: true },
      then: { outcome: { class: 'agent_failure', confidence: 0.7, next: 'agent_repair' } },
      otherwise: { outcome: { class: 'server_hardware_issue', confidence: 0.85, next: 'server_hardware_check' } },
      results: { then: 'answered', otherwise: 'no answer', unknown: 'none declared' },
    },
    service_ports_without_ssh: {
      description: "no SSH to judge: does a port the host's services declare answer?",
      when: { fact: 'service_port_ok', op: 'eq', value: true },
      then: { outcome: { class: 'agent_failure', confidence: 0.75, next: 'agent_repair' } },
      otherwise: { outcome: { class: 'server_hardware_issue', confidence: 0.5, next: 'server_hardware_check' } },
      unknown: { goto: 'stream_end' },
      results: { then: 'answered', otherwise: 'no answer', unknown: 'none declared' },
    },
    stream_end: {
      description: "neither SSH nor a service port to judge by: did the host itself close the agent's stream (the agent ended, the kernel ran)?",
      when: { fact: 'stream_closed', op: 'eq', value: true },
      then: { outcome: { class: 'agent_failure', confidence: 0.6, next: 'agent_repair' } },
      otherwise: { outcome: { class: 'server_hardware_issue', confidence: 0.5, next: 'server_hardware_check' } },
      results: { then: 'closed by the host', otherwise: 'went quiet', unknown: 'not seen' },
    },
    service_status_check: {
      description: 'service_down: the host is up AND the service is inactive',
      when: { fact: 'service_state', op: 'in', value: ['inactive', 'failed'] },
      then: { outcome: { class: 'service_failure', confidence: 0.95, next: 'service_restart_sequence' } },
      otherwise: { goto: 'error_rate_check' },
      unknown: { goto: 'error_rate_check' },
      results: { then: 'down', otherwise: 'running', unknown: 'not reported' },
    },
    error_rate_check: {
      description: 'partial_failure: the service runs AND its error rate is high (> 1 %)',
      when: { all: [{ fact: 'service_state', op: 'eq', value: 'running' }, { fact: 'error_rate', op: 'gt', value: HIGH_ERROR_RATE }] },
      then: { outcome: { class: 'partial_failure', confidence: 0.8, next: 'application_level_diagnosis' } },
      otherwise: { outcome: { class: 'healthy', confidence: 0.9, next: 'none' } },
      results: { then: 'high', otherwise: 'normal', unknown: 'not measured' },
    },
  },
});
