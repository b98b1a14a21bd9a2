import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgePing, parsePingOutput } from '../../packages/shared/src/probes/ping.js';
import { fuzz, fuzzTimeout, mutated, oddString } from './fuzz.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'shared', 'src', 'probes', 'fixtures');
const captured = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => readFileSync(join(FIXTURES, f), 'utf8'));

const count = (n: number | undefined) => n === undefined || (Number.isSafeInteger(n) && n >= 0);
const rtt = (n: number | null) => n === null || (Number.isFinite(n) && n >= 0);

describe('fuzz - probe output', () => {
  it('ping output always gives a summary with whole counts, a loss of 0-100 % and finite times, and a verdict', () => {
    fuzz('ping output', 2000, fc.oneof(mutated(captured), oddString()), (text) => {
      const s = parsePingOutput(text);
      for (const n of [s.transmitted, s.received, s.errors, s.duplicates, s.corrupted, s.timeMs]) if (!count(n)) throw new Error(`count ${n} in ${JSON.stringify(s)}`);
      expect(s.lossPercent >= 0 && s.lossPercent <= 100).toBe(true);
      for (const v of [s.rttMinMs, s.rttAvgMs, s.rttMaxMs, s.rttMdevMs]) if (!rtt(v)) throw new Error(`rtt ${v} in ${JSON.stringify(s)}`);
      if (s.failure !== undefined) expect(s.failure.length).toBeLessThanOrEqual(1024);
      const verdict = judgePing(s, 50);
      if (verdict) expect(verdict.message.length).toBeGreaterThan(0);
    });
  }, fuzzTimeout());
});
