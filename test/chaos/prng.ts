import { Rng } from '../../packages/coordinator/src/predictions/synthetic.js';

/**
 * A small seeded generator (the predictions' mulberry32, `Rng`): the same seed gives the
 * same fault plan, so a failing run can be replayed with `VIGIL_CHAOS_SEED`.
 */
export class Prng extends Rng {
  constructor(readonly seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new Error(`seed must be an integer in 0..4294967295, got ${seed}`);
    super(seed);
  }

  /** As `Rng.pick`, but an empty list is a mistake in the plan, said at once. */
  override pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return super.pick(items);
  }

  /** One of the keys, each with the probability of its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }
}

/** A fresh seed for a run that was not given one (printed, so it can be replayed). */
export function freshSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
}
