import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuUsagePercent, createCpuCollector, parseLoadAvg, parseProcStat } from './cpu.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const statA = fixture('proc-stat.a.txt');
const statB = fixture('proc-stat.b.txt');

describe('cpu collector', () => {
  it('parseProcStat - sums the aggregate line and counts cores', () => {
    // cpu  10781 0 3013 68977 290 0 56 15 0 0 -> total 83132, idle+iowait 69267
    expect(parseProcStat(statA)).toEqual({ times: { busy: 13865, total: 83132 }, cores: 2 });
  });

  it('cpuUsagePercent - busy share between two captured readings', () => {
    const a = parseProcStat(statA).times;
    const b = parseProcStat(statB).times;
    // Δbusy 106 of Δtotal 206
    expect(cpuUsagePercent(a, b)).toBe(51.46);
  });

  it('cpuUsagePercent - without a previous reading gives the average since boot', () => {
    expect(cpuUsagePercent(undefined, { busy: 25, total: 100 })).toBe(25);
  });

  it('cpuUsagePercent - counters going backwards give 0, not a negative share', () => {
    expect(cpuUsagePercent({ busy: 50, total: 100 }, { busy: 40, total: 90 })).toBe(0);
  });

  it('parseLoadAvg - reads the three averages', () => {
    expect(parseLoadAvg(fixture('loadavg.txt'))).toEqual({ load1: 0.03, load5: 0.24, load15: 0.15 });
  });

  it('parsers - reject text that is not what the kernel writes', () => {
    expect(() => parseProcStat('intr 1 2 3\n')).toThrow(/no aggregate "cpu" line/);
    expect(() => parseLoadAvg('busy')).toThrow(/cannot parse/);
  });

  it('collector - keeps the previous reading for the next delta', async () => {
    const reads = [statA, statB];
    const c = createCpuCollector({ readStat: async () => reads.shift()!, readLoad: async () => fixture('loadavg.txt') });
    const first = await c.collect();
    const second = await c.collect();
    expect(first.cpu?.usagePercent).toBe(16.68);
    expect(second.cpu).toEqual({ usagePercent: 51.46, load1: 0.03, load5: 0.24, load15: 0.15, cores: 2 });
  });
});

// Counterexample found by test/fuzz/proc-text.fuzz.test.ts: the whole text was echoed.
describe('cpu collector - refusals', () => {
  it('a refusal quotes the text cut to 80 characters', () => {
    const err = (() => {
      try {
        parseLoadAvg(`x ${'1 '.repeat(600)}`);
      } catch (e) {
        return e as Error;
      }
      throw new Error('not refused');
    })();
    expect(err.message).toMatch(/^\/proc\/loadavg: cannot parse "x 1 1 .*\.\.\."$/);
    expect(err.message.length).toBeLessThan(120);
  });
});
