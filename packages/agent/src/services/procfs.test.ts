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
