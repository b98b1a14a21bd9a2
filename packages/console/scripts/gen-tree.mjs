// Writes the default decision tree's shape (nodes, branches and their words) as JSON for
// the incident page, which draws the whole tree and marks the branch a diagnosis took.
// Read from @vigil/shared's build so the page never carries a second copy by hand.
import { writeFileSync, mkdirSync } from 'node:fs';
import { DEFAULT_DECISION_TREE } from '@vigil/shared';

const branch = (b) => (b === undefined ? null : 'goto' in b ? { goto: b.goto } : { outcome: b.outcome.class, confidence: b.outcome.confidence });
const nodes = Object.fromEntries(
  Object.entries(DEFAULT_DECISION_TREE.nodes).map(([name, n]) => [
    name,
    { description: n.description, then: branch(n.then), otherwise: branch(n.otherwise), unknown: branch(n.unknown), results: n.results },
  ]),
);
const out = new URL('../src/generated/tree.json', import.meta.url);
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ root: DEFAULT_DECISION_TREE.root, nodes }, null, 1)}\n`);
