import { h } from '../dom.js';
import { classWords, pct } from '../format.js';
import treeJson from '../generated/tree.json';
import type { PathStep } from '../types.js';

type Branch = { goto: string } | { outcome: string; confidence: number } | null;
interface TreeNode {
  description: string;
  then: Branch;
  otherwise: Branch;
  unknown: Branch;
  results: { then: string; otherwise: string; unknown: string };
}
interface Tree {
  root: string;
  nodes: Record<string, TreeNode>;
}
const DEFAULT_TREE = treeJson as Tree;
const KEYS = ['then', 'otherwise', 'unknown'] as const;

/**
 * The decision tree with the diagnosis's walk marked: every node and branch is drawn,
 * the taken ones are highlighted (class `taken`, and said in words for screen readers).
 * A path through a tree this page does not know (a custom tree in the coordinator's
 * config) is drawn as the chain of its steps instead.
 */
export function decisionTree(path: PathStep[], outcome: { class: string; confidence: number } | undefined, tree: Tree = DEFAULT_TREE): HTMLElement {
  const steps = new Map(path.map((s) => [s.node, s]));
  if (path.length === 0 || !path.every((s) => tree.nodes[s.node])) return chain(path, outcome);

  const drawNode = (name: string, onPath: boolean, seen: Set<string>): HTMLElement => {
    const node = tree.nodes[name]!;
    const step = onPath ? steps.get(name) : undefined;
    const branches: HTMLElement[] = [];
    for (const key of KEYS) {
      const b = node[key];
      if (!b) continue;
      const word = node.results[key];
      const taken = !!step && (step.result === word || ('goto' in b ? step.next === b.goto : step.next === b.outcome));
      const target =
        'goto' in b
          ? seen.has(b.goto)
            ? h('span', { class: 'node ref' }, `→ ${b.goto}`)
            : drawNode(b.goto, taken, new Set([...seen, b.goto]))
          : h('span', { class: `leaf${taken ? ' taken' : ''}` }, `${classWords[b.outcome] ?? b.outcome} (${pct(b.confidence)})`);
      branches.push(h('li', { class: taken ? 'taken' : '' }, h('span', { class: 'edge' }, taken ? h('span', { class: 'sr' }, 'taken: ') : '', word), ' ', target));
    }
    return h(
      'div',
      { class: `node${step ? ' taken' : ''}` },
      h('span', { class: 'nname' }, name),
      h('span', { class: 'ndesc' }, node.description),
      step ? h('span', { class: 'finding' }, `found: ${step.finding}`) : '',
      h('ul', {}, branches),
    );
  };
  return h('div', { class: 'tree', role: 'group', 'aria-label': 'decision tree, taken branch highlighted' }, drawNode(tree.root, true, new Set([tree.root])));
}

function chain(path: PathStep[], outcome: { class: string; confidence: number } | undefined): HTMLElement {
  return h(
    'ol',
    { class: 'chain' },
    path.map((s) => h('li', { class: 'taken' }, h('strong', {}, s.node), ` — ${s.description}`, h('div', {}, `found: ${s.finding} → `, h('span', { class: 'edge' }, s.result), ` → ${s.next}`))),
    outcome ? h('li', { class: 'leaf taken' }, `${classWords[outcome.class] ?? outcome.class} (${pct(outcome.confidence)})`) : '',
  );
}
