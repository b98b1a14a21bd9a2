import { describe, expect, it } from 'vitest';
// @ts-expect-error the simulator's report is plain JavaScript (bench/fleet), without types
import { onStalledSimulator } from '../../bench/fleet/report.mjs';

type Fp = { hostId: string; arrivedAt: number; eventAt?: number | null };
const classify = onStalledSimulator as (fp: Fp[], stallsOf: (h: string) => [number, number][], boundMs: number) => Fp[];

describe('fleet report - false positives on a stalled simulator process', () => {
  const stalls: Record<string, [number, number][]> = { a: [[10_000, 12_000]], b: [] };
  const stallsOf = (h: string) => stalls[h] ?? [];

  it('a verdict within the bound after its process stood still counts as a frozen agent detected', () => {
    const fp = [
      { hostId: 'a', arrivedAt: 14_990, eventAt: 14_900 }, // stall ended 2.9 s before: within 3 s
      { hostId: 'a', arrivedAt: 11_000 }, // during the stall (no eventAt: arrival time)
    ];
    expect(classify(fp, stallsOf, 3000)).toEqual(fp);
  });

  it('a verdict long after the stall, before it, or on another process is not explained', () => {
    const fp = [
      { hostId: 'a', arrivedAt: 15_200, eventAt: 15_100 }, // 3.1 s after the stall ended
      { hostId: 'a', arrivedAt: 9_900, eventAt: 9_900 }, // before it began
      { hostId: 'b', arrivedAt: 11_000, eventAt: 11_000 }, // its process never stalled
    ];
    expect(classify(fp, stallsOf, 3000)).toEqual([]);
  });
});
