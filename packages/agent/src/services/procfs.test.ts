import { describe, expect, it } from 'vitest';
import { fixture } from '../../test-fixtures/helpers.js';
import { isGone, parseCgroupProcs, parseProcStat, parseProcStatm, parseUptime } from './procfs.js';

describe('procfs parsers', () => {
  it('parseProcStat - reads the fields the agent uses from a captured node process', () => {
    const s = parseProcStat(fixture('proc-pid-stat-node.txt'));
    expect(s).toEqual({ pid: 22715, comm: 'node', state: 'R', ppid: 22713, pgrp: 22713, session: 7049, utime: 308, stime: 4, starttime: 97751, rssPages: 23827 });
  });

  it('parseProcStat - counts fields from the last parenthesis when the name holds spaces and parentheses', () => {
    const s = parseProcStat(fixture('proc-pid-stat-odd-comm.txt'));
    expect(s.comm).toBe('my (odd) app) x');
    expect(s.pid).toBe(23185);
    expect(s.state).toBe('R');
    expect(s.pgrp).toBe(23182);
    expect(s.utime).toBe(5);
    expect(s.starttime).toBe(98617);
  });

  it('parseProcStat - rejects text that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/not a \/proc/);
    expect(() => parseProcStat('12 (x) S 1 2')).toThrow(/not a \/proc/);
  });

  it('parseProcStatm - reads sizes in pages', () => {
    expect(parseProcStatm(fixture('proc-pid-statm-node.txt'))).toEqual({ sizePages: 260126, residentPages: 23856, sharedPages: 9507 });
    expect(() => parseProcStatm('a b c')).toThrow(/statm/);
  });

  it('parseUptime - takes the first number', () => {
    expect(parseUptime(fixture('proc-uptime.txt'))).toBeCloseTo(982.72);
    expect(() => parseUptime('x')).toThrow(/uptime/);
  });

  it('parseCgroupProcs - one pid per line, blank lines ignored', () => {
    expect(parseCgroupProcs('812\n813\n\n814\n')).toEqual([812, 813, 814]);
    expect(parseCgroupProcs('')).toEqual([]);
  });

  it('isGone - zombies and dead entries are gone, sleeping ones are not', () => {
    expect(isGone({ state: 'Z' })).toBe(true);
    expect(isGone({ state: 'X' })).toBe(true);
    expect(isGone({ state: 'S' })).toBe(false);
  });
});

// Counterexamples found by test/fuzz/proc-text.fuzz.test.ts, kept as plain cases.
describe('procfs parsers - damaged text', () => {
  const line = fixture('proc-pid-stat-node.txt');

  it('parseProcStat - a line without its pid is refused, not read as pid 0', () => {
    expect(() => parseProcStat(line.slice(line.indexOf(' ')))).toThrow(/not a \/proc\/<pid>\/stat line/);
  });

  it('parseProcStat - a field that is not a decimal count is refused', () => {
    for (const bad of ['-1', '1.5', '0x1f', '1e400']) {
      expect(() => parseProcStat(line.replace(' 308 4 ', ` ${bad} 4 `))).toThrow(/field 14 is not a count/);
    }
  });

  it('parseCgroupProcs - a pid too large to be one is skipped, not Infinity', () => {
    expect(parseCgroupProcs(`12\n${'9'.repeat(400)}\n0\n34\n`)).toEqual([12, 34]);
  });

  it('parseProcStatm - sizes past 2^53 are refused', () => {
    expect(() => parseProcStatm(`${'9'.repeat(20)} 1 1`)).toThrow(/statm/);
  });
});
