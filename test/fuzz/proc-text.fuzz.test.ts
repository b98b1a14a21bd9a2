import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLoadAvg, parseProcStat as parseCpuStat } from '../../packages/agent/src/collectors/cpu.js';
import { parseMounts } from '../../packages/agent/src/collectors/filesystems.js';
import { parseNetDev } from '../../packages/agent/src/collectors/network.js';
import { isJournalOomLine, parseKernelOomLine, parseKmsgDump, parseKmsgRecord, parseOomKillCount, parseProcCgroup } from '../../packages/agent/src/services/oom-parse.js';
import { parseCgroupProcs, parseProcStat, parseProcStatm, parseUptime } from '../../packages/agent/src/services/procfs.js';
import { describeMainExit, lastRun, parseShowOutput, toUnitProperties, unitStatus } from '../../packages/agent/src/services/systemd-show.js';
import { parseJournalJson } from '../../packages/agent/src/services/journal.js';
import { expectClearError, fuzz, mutated, oddString, fuzzTimeout } from './fuzz.js';

const AGENT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'agent', 'src');
const read = (dir: string, match: RegExp): string[] =>
  readdirSync(join(AGENT, dir))
    .filter((f) => match.test(f))
    .map((f) => readFileSync(join(AGENT, dir, f), 'utf8'));

/** Either the parser's value, or the Error it refused with (checked to be a clear one). */
function attempt<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    expectClearError(err);
    return undefined;
  }
}

const count = (n: number) => Number.isSafeInteger(n) && n >= 0;

describe('fuzz - /proc text', () => {
  const pidStat = read('services/fixtures', /^proc-pid-stat-/);

  it('/proc/<pid>/stat: a clear Error or whole non-negative counts', () => {
    fuzz('proc pid stat', 1200, fc.oneof(mutated(pidStat), oddString()), (text) => {
      const s = attempt(() => parseProcStat(text));
      if (!s) return;
      for (const k of ['pid', 'ppid', 'pgrp', 'session', 'utime', 'stime', 'starttime', 'rssPages'] as const) {
        if (!count(s[k])) throw new Error(`${k} is ${s[k]}, not a whole count`);
      }
      expect(s.pid).toBeGreaterThan(0);
    });
  }, fuzzTimeout());

  it('/proc/<pid>/statm, /proc/uptime, cgroup.procs: a clear Error or sane numbers', () => {
    const samples = [...read('services/fixtures', /^proc-pid-statm|^proc-uptime/), '1\n2\n300\n'];
    fuzz('proc statm/uptime/cgroup.procs', 1200, fc.oneof(mutated(samples), oddString()), (text) => {
      const m = attempt(() => parseProcStatm(text));
      if (m) for (const v of Object.values(m)) expect(count(v)).toBe(true);
      const up = attempt(() => parseUptime(text));
      if (up !== undefined) expect(Number.isFinite(up) && up >= 0).toBe(true);
      for (const pid of parseCgroupProcs(text)) expect(count(pid) && pid > 0).toBe(true);
    });
  }, fuzzTimeout());

  it('/proc/stat and /proc/loadavg: a clear Error or finite figures', () => {
    const samples = read('collectors/fixtures', /^proc-stat|^loadavg/);
    fuzz('proc stat/loadavg', 1200, fc.oneof(mutated(samples), oddString()), (text) => {
      const s = attempt(() => parseCpuStat(text));
      if (s) {
        expect(Number.isFinite(s.times.busy) && Number.isFinite(s.times.total)).toBe(true);
        expect(count(s.cores)).toBe(true);
      }
      const l = attempt(() => parseLoadAvg(text));
      if (l) for (const v of Object.values(l)) expect(Number.isFinite(v) && v >= 0).toBe(true);
    });
  }, fuzzTimeout());

  it('/proc/net/dev and /proc/self/mounts: a clear Error or well-formed rows', () => {
    const samples = read('collectors/fixtures', /^net-dev|^mounts/);
    fuzz('proc net/dev, mounts', 1200, fc.oneof(mutated(samples), oddString()), (text) => {
      const rows = attempt(() => parseNetDev(text));
      for (const r of rows ?? []) {
        expect(r.name.length).toBeGreaterThan(0);
        for (const v of [r.rxBytes, r.txBytes, r.rxErrors, r.txErrors]) expect(Number.isFinite(v)).toBe(true);
      }
      for (const m of attempt(() => parseMounts(text)) ?? []) expect(m.device && m.mount && m.fsType).toBeTruthy();
    });
  }, fuzzTimeout());

  it('OOM evidence (kmsg, memory.events, /proc/<pid>/cgroup, kernel lines) never throws', () => {
    const samples = [...read('services/fixtures', /^kmsg|^memory-|^proc-pid-cgroup/)];
    fuzz('oom evidence', 1200, fc.oneof(mutated(samples), oddString()), (text) => {
      for (const r of parseKmsgDump(text)) expect(Number.isSafeInteger(r.seq) && Number.isSafeInteger(r.tsUs)).toBe(true);
      parseKmsgRecord(text);
      const n = parseOomKillCount(text);
      if (n !== undefined) expect(count(n)).toBe(true);
      parseProcCgroup(text);
      for (const line of text.split('\n')) {
        isJournalOomLine(line);
        const kill = parseKernelOomLine(line);
        if (kill) expect(count(kill.pid)).toBe(true);
      }
    });
  }, fuzzTimeout());
});

describe('fuzz - systemctl show and journalctl output', () => {
  const show = read('services/fixtures', /^systemctl-show-/);
  const clock = { nowMs: Date.parse('2026-12-03T08:00:00Z'), monotonicNowUs: 5_000_000_000 };

  it('`systemctl show` text always maps to a status with a state and a finite since', () => {
    fuzz('systemctl show', 1200, fc.oneof(mutated(show), oddString()), (text) => {
      const props = toUnitProperties(parseShowOutput(text));
      for (const v of [props.mainPid, props.execMainPid, props.execMainCode, props.execMainStatus, props.nRestarts, props.stateChangeMonotonicUs]) expect(Number.isSafeInteger(v)).toBe(true);
      describeMainExit(props);
      lastRun(props);
      const st = unitStatus(props, clock);
      expect(['running', 'starting', 'inactive', 'failed']).toContain(st.state);
      if (st.since !== undefined) expect(Number.isFinite(st.since)).toBe(true);
      expect(typeof st.detail).toBe('string');
    });
  }, fuzzTimeout());

  it('`journalctl -o json` text: every line is an entry or counted malformed', () => {
    const journal = read('services/fixtures', /^journal-.*\.jsonl$/);
    const line = fc.oneof(
      fc.json({ maxDepth: 3 }),
      fc.record({ __REALTIME_TIMESTAMP: fc.oneof(fc.string(), fc.nat().map(String), fc.array(fc.integer({ min: -1000, max: 1000 }))), MESSAGE: fc.oneof(fc.string(), fc.array(fc.integer()), fc.constant(null)), PRIORITY: fc.oneof(fc.string(), fc.integer()) }).map((o) => JSON.stringify(o)),
    );
    const text = fc.oneof(mutated(journal), fc.array(line, { maxLength: 20 }).map((l) => l.join('\n')));
    fuzz('journalctl json', 1000, text, (t) => {
      const { entries, malformed } = parseJournalJson(t);
      const nonEmpty = t.split('\n').filter((l) => l.trim() !== '').length;
      expect(entries.length + malformed).toBe(nonEmpty);
      for (const e of entries) {
        expect(Number.isFinite(e.at)).toBe(true);
        expect(typeof e.message).toBe('string');
      }
    });
  }, fuzzTimeout());
});
