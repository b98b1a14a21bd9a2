import { z } from 'zod';
import { PROBLEM_CLASSES } from './classes.js';

/**
 * Runbook sections 1 and 8 as one tree over facts. A node tests a condition and names
 * the next node or an outcome for each branch; outcomes carry the class and the
 * confidence. Facts may be unknown (null): a condition on an unknown fact is false, and a
 * node may name where "unknown" goes.
 */
export const FACT_NAMES = ['ping_ok', 'ssh_ok', 'dns_ok', 'agent_connected', 'service_state', 'error_rate', 'log_causes'] as const;
export type FactName = (typeof FACT_NAMES)[number];

export interface Facts {
  ping_ok: boolean | null;
  ssh_ok: boolean | null;
  dns_ok: boolean | null;
  agent_connected: boolean | null;
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

export const treeNodeSchema = z.object({
  description: z.string().min(1),
  when: conditionSchema,
  then: branch,
  otherwise: branch,
  /** Where to go when a fact the condition needs is unknown; defaults to `otherwise`. */
  unknown: branch.optional(),
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
 * 0.95 and 0.8 are the runbook's; 0.85 (hardware) and 0.9 (agent) are Vigil's reading for
 * the two leaves the runbook gives no number.
 */
export const DEFAULT_DECISION_TREE: DecisionTree = decisionTreeSchema.parse({
  root: 'network_connectivity',
  nodes: {
    network_connectivity: {
      description: 'ping -c 4 from healthy vantage points: packet loss < 25 %, and the name resolves',
      when: { any: [{ fact: 'ping_ok', op: 'eq', value: false }, { fact: 'dns_ok', op: 'eq', value: false }] },
      then: { outcome: { class: 'network_issue', confidence: 0.9, next: 'network_diagnosis' } },
      otherwise: { goto: 'ssh_connectivity' },
    },
    ssh_connectivity: {
      description: 'SSH banner within 10 s from healthy vantage points',
      when: { fact: 'ssh_ok', op: 'eq', value: false },
      then: { outcome: { class: 'server_hardware_issue', confidence: 0.85, next: 'server_hardware_check' } },
      otherwise: { goto: 'agent_presence' },
    },
    agent_presence: {
      description: 'the host answers ping and SSH; is its agent connected?',
      when: { fact: 'agent_connected', op: 'eq', value: false },
      then: { outcome: { class: 'agent_failure', confidence: 0.9, next: 'agent_repair' } },
      otherwise: { goto: 'service_status_check' },
    },
    service_status_check: {
      description: 'service_down: SSH succeeds AND the service is inactive',
      when: { fact: 'service_state', op: 'in', value: ['inactive', 'failed'] },
      then: { outcome: { class: 'service_failure', confidence: 0.95, next: 'service_restart_sequence' } },
      otherwise: { goto: 'error_rate_check' },
      unknown: { goto: 'error_rate_check' },
    },
    error_rate_check: {
      description: 'partial_failure: the service runs AND its error rate is high (> 1 %)',
      when: { all: [{ fact: 'service_state', op: 'eq', value: 'running' }, { fact: 'error_rate', op: 'gt', value: HIGH_ERROR_RATE }] },
      then: { outcome: { class: 'partial_failure', confidence: 0.8, next: 'application_level_diagnosis' } },
      otherwise: { outcome: { class: 'healthy', confidence: 0.9, next: 'none' } },
    },
  },
});
