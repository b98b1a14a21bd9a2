import type { Condition, DecisionTree, FactName, Facts, Outcome } from '@vigil/shared';

/**
 * One step of the walk through the tree, reading forwards: the node, what was found (in
 * plain words), the branch taken (the node's own word for it, e.g. `reachable`), and where
 * it led (the next node, or the class of the outcome).
 */
export interface PathStep {
  node: string;
  description: string;
  finding: string;
  result: string;
  next: string;
  facts: Partial<Facts>;
}

/** Plain-words findings per fact, e.g. `ping_ok: 'ping: 4/4 vantages answered'`. */
export type FactFindings = Partial<Record<FactName, string>>;

export interface TreeVerdict {
  outcome: Outcome;
  path: PathStep[];
}

type Tri = 'true' | 'false' | 'unknown';

function factsOf(c: Condition, out: Set<keyof Facts>): Set<keyof Facts> {
  if ('all' in c) c.all.forEach((x) => factsOf(x, out));
  else if ('any' in c) c.any.forEach((x) => factsOf(x, out));
  else out.add(c.fact);
  return out;
}

/** Three-valued logic: a test on a fact nobody could observe is "unknown", not false. */
export function evaluateCondition(c: Condition, facts: Facts): Tri {
  if ('all' in c) {
    const r = c.all.map((x) => evaluateCondition(x, facts));
    return r.includes('false') ? 'false' : r.includes('unknown') ? 'unknown' : 'true';
  }
  if ('any' in c) {
    const r = c.any.map((x) => evaluateCondition(x, facts));
    return r.includes('true') ? 'true' : r.includes('unknown') ? 'unknown' : 'false';
  }
  const v = facts[c.fact];
  if (v === null || v === undefined) return 'unknown';
  const b = (x: boolean): Tri => (x ? 'true' : 'false');
  switch (c.op) {
    case 'eq':
      return b(v === c.value);
    case 'ne':
      return b(v !== c.value);
    case 'gt':
      return typeof v === 'number' ? b(v > c.value) : 'unknown';
    case 'lt':
      return typeof v === 'number' ? b(v < c.value) : 'unknown';
    case 'in':
      return b((c.value as unknown[]).includes(v));
    case 'contains':
      return Array.isArray(v) ? b((v as string[]).includes(c.value)) : 'unknown';
  }
}

/** A fact without a finding in words is shown as `name=value`. */
function describe(fact: FactName, facts: Facts, findings: FactFindings): string {
  const words = findings[fact];
  if (words) return words;
  const v = facts[fact];
  return `${fact}=${v === null || v === undefined ? 'unknown' : Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`;
}

/**
 * Walks the tree from its root; the schema guarantees it ends (no cycles, no dangling
 * gotos). `findings` put the facts each node reads into words for its path step.
 */
export function evaluateTree(tree: DecisionTree, facts: Facts, findings: FactFindings = {}): TreeVerdict {
  const path: PathStep[] = [];
  let name = tree.root;
  for (;;) {
    const node = tree.nodes[name]!;
    const tri = evaluateCondition(node.when, facts);
    const read = [...factsOf(node.when, new Set())];
    const seen: Partial<Facts> = {};
    for (const f of read) (seen as Record<string, unknown>)[f] = facts[f];
    const [branch, result] = tri === 'true' ? [node.then, node.results.then] : tri === 'false' ? [node.otherwise, node.results.otherwise] : [node.unknown ?? node.otherwise, node.results.unknown];
    const next = 'outcome' in branch ? branch.outcome.class : branch.goto;
    const finding = read.map((f) => describe(f, facts, findings)).join('; ');
    path.push({ node: name, description: node.description, finding, result, next, facts: seen });
    if ('outcome' in branch) return { outcome: branch.outcome, path };
    name = branch.goto;
  }
}
