import { describe, expect, it } from 'vitest';
import { LIFECYCLE_TABLE, lifecycleOf, rowOf, step, type Lifecycle, type LifecycleInput } from './lifecycle.js';

const NOW = 1_000_000;
const present = (state: 'open' | 'acknowledged'): Lifecycle => ({ state, condition: { kind: 'present' } });
const clear = (state: 'open' | 'acknowledged', since = NOW - 5000): Lifecycle => ({ state, condition: { kind: 'clear', since } });
const resolved: Lifecycle = { state: 'resolved' };

/** Every state the table knows, and what each input does there: move (to, levelUp), ignore, or conflict (reason). */
const EXPECTED: [string, Lifecycle, Record<LifecycleInput, string>][] = [
  [
    'open, present',
    present('open'),
    { present: 'ignore', clear: 'move open clear', escalate: 'move open present up', deadline: 'move open present up', ack: 'move acknowledged present', settle: 'conflict not_settling', resolve: 'move resolved', reopen: 'conflict not_resolved' },
  ],
  [
    'open, clear',
    clear('open'),
    { present: 'move open present', clear: 'ignore', escalate: 'move open present up', deadline: 'move open clear up', ack: 'move acknowledged clear', settle: 'move resolved', resolve: 'move resolved', reopen: 'conflict not_resolved' },
  ],
  [
    'acknowledged, present',
    present('acknowledged'),
    { present: 'ignore', clear: 'move acknowledged clear', escalate: 'ignore', deadline: 'ignore', ack: 'conflict already_acknowledged', settle: 'conflict not_settling', resolve: 'move resolved', reopen: 'conflict not_resolved' },
  ],
  [
    'acknowledged, clear',
    clear('acknowledged'),
    { present: 'move acknowledged present', clear: 'ignore', escalate: 'move acknowledged present', deadline: 'ignore', ack: 'conflict already_acknowledged', settle: 'move resolved', resolve: 'move resolved', reopen: 'conflict not_resolved' },
  ],
  [
    'resolved',
    resolved,
    { present: 'ignore', clear: 'ignore', escalate: 'ignore', deadline: 'ignore', ack: 'conflict already_resolved', settle: 'ignore', resolve: 'conflict already_resolved', reopen: 'move open present' },
  ],
];

function describeStep(l: Lifecycle, input: LifecycleInput): string {
  const s = step(l, input, NOW);
  switch (s.kind) {
    case 'ignore':
      return 'ignore';
    case 'conflict':
      return `conflict ${s.reason}`;
    case 'move': {
      const to = s.to.state === 'resolved' ? 'resolved' : `${s.to.state} ${s.to.condition.kind}`;
      return `move ${to}${s.levelUp ? ' up' : ''}`;
    }
  }
}

describe('incident lifecycle - the transition table', () => {
  it('covers every state and input', () => {
    for (const state of Object.keys(LIFECYCLE_TABLE) as (keyof typeof LIFECYCLE_TABLE)[]) {
      expect(Object.keys(LIFECYCLE_TABLE[state]).sort()).toEqual(['ack', 'clear', 'deadline', 'escalate', 'present', 'reopen', 'resolve', 'settle']);
    }
  });

  for (const [name, l, row] of EXPECTED) {
    for (const input of Object.keys(row) as LifecycleInput[]) {
      it(`${name} + ${input} -> ${row[input]}`, () => {
        expect(describeStep(l, input)).toBe(row[input]);
      });
    }
  }

  it('a clear condition keeps the time it cleared; clearing again does not move it', () => {
    const s = step(present('open'), 'clear', NOW);
    expect(s).toEqual({ kind: 'move', to: { state: 'open', condition: { kind: 'clear', since: NOW } }, levelUp: false });
    expect(step(clear('open', 10), 'deadline', NOW)).toEqual({ kind: 'move', to: clear('open', 10), levelUp: true });
  });

  it('maps to and from the row fields', () => {
    expect(lifecycleOf({ state: 'open', clearSince: null })).toEqual(present('open'));
    expect(lifecycleOf({ state: 'acknowledged', clearSince: 7 })).toEqual(clear('acknowledged', 7));
    expect(lifecycleOf({ state: 'resolved', clearSince: 7 })).toEqual(resolved);
    expect(rowOf(clear('open', 9))).toEqual({ state: 'open', clearSince: 9 });
    expect(rowOf(resolved)).toEqual({ state: 'resolved', clearSince: null });
  });
});
