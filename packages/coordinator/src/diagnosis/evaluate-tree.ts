import type { Branch, Condition, DecisionTree, Facts, Outcome } from '@vigil/shared';

/** One step of the walk through the tree: which node, what it saw, where it went. */
export interface PathStep {
  node: string;
  description: string;
  result: 'true' | 'false' | 'unknown';
  facts: Partial<Facts>;
}

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

/** Walks the tree from its root; the schema guarantees it ends (no cycles, no dangling gotos). */
export function evaluateTree(tree: DecisionTree, facts: Facts): TreeVerdict {
  const path: PathStep[] = [];
  let name = tree.root;
  for (;;) {
    const node = tree.nodes[name]!;
    const result = evaluateCondition(node.when, facts);
    const seen: Partial<Facts> = {};
    for (const f of factsOf(node.when, new Set())) (seen as Record<string, unknown>)[f] = facts[f];
    path.push({ node: name, description: node.description, result, facts: seen });
    const next: Branch = result === 'true' ? node.then : result === 'false' ? node.otherwise : (node.unknown ?? node.otherwise);
    if ('outcome' in next) return { outcome: next.outcome, path };
    name = next.goto;
  }
}
