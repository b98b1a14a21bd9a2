import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { findingMessageSchema } from '@vigil/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test-fixtures/helpers.js';
import { LogWatcher } from './log-watcher.js';

let dir: string;
let watcher: LogWatcher | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-logs-'));
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('log watcher - files', () => {
  it('turns new lines of the declared files into findings, ignoring lines from before start', async () => {
    const app = join(dir, 'app.log');
    const err = join(dir, 'error.log');
    writeFileSync(app, 'java.lang.OutOfMemoryError: from yesterday\n');
    watcher = new LogWatcher({ service: 'api', files: [app, err], tail: { pollIntervalMs: 50 } });
    await watcher.start();
    appendFileSync(app, 'INFO started\nERROR Failed to parse /etc/api.yaml: line 3\n');
    writeFileSync(err, 'pwrite: No space left on device\npwrite: No space left on device\n');
    await eventually(() => expect(watcher!.findings()).toHaveLength(2));
    const report = watcher.report();
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ service: 'api', cause: 'configuration_error', source: app, count: 1, excerpt: 'ERROR Failed to parse /etc/api.yaml: line 3' }),
        expect.objectContaining({ service: 'api', cause: 'disk_space_full', source: err, count: 2 }),
      ]),
    );
    for (const f of report.findings) expect(findingMessageSchema.safeParse(f).success).toBe(true);
    expect(report.sources.find((s) => s.source === app)).toMatchObject({ kind: 'file', linesScanned: 2, skippedLines: 0 });
    expect(report.errorRate).toBeNull();
    // A second report carries only what changed since the first.
    expect(watcher.report().findings).toEqual([]);
    appendFileSync(err, 'Disk quota exceeded\n');
    await eventually(() => expect(watcher!.findings().find((f) => f.source === err)?.count).toBe(3));
    expect(watcher.report().findings).toEqual([expect.objectContaining({ source: err, count: 3, excerpt: 'Disk quota exceeded' })]);
  });
});

describe('log watcher - access log', () => {
  it('reports the 5xx share of the access log, not its patterns', async () => {
    const access = join(dir, 'access.log');
    writeFileSync(access, '');
    watcher = new LogWatcher({ service: 'web', accessLog: access, tail: { pollIntervalMs: 50 } });
    await watcher.start();
    const line = (status: number) => `10.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /x HTTP/1.1" ${status} 12 "-" "curl/8"\n`;
    appendFileSync(access, line(200) + line(200) + line(502) + 'garbage Failed to parse\n' + line(500));
    await eventually(() => expect(watcher!.errorRate()).toMatchObject({ requests: 4, errors5xx: 2, errorRate: 0.5, lines: 5, malformed: 1 }));
    expect(watcher.findings()).toEqual([]);
  });
});

describe('log watcher - fed sources', () => {
  it('matches lines fed from a stream, whole or in pieces, with the stream as source', async () => {
    watcher = new LogWatcher({ service: 'worker' });
    const stdout = new PassThrough();
    watcher.attachStream('stdout', stdout);
    stdout.write('booting\nFATAL: Invalid config');
    stdout.write('uration: missing key\nok\nkilled by signal 9');
    stdout.end();
    await eventually(() => expect(watcher!.findings()).toHaveLength(2));
    expect(watcher.findings()).toEqual([
      expect.objectContaining({ cause: 'configuration_error', source: 'stdout', excerpt: 'FATAL: Invalid configuration: missing key' }),
      expect.objectContaining({ cause: 'memory_exhaustion', source: 'stdout', excerpt: 'killed by signal 9' }),
    ]);
  });

  it('matches only the MESSAGE of journald JSON lines and counts the lines that are not entries', () => {
    watcher = new LogWatcher({ service: 'api' });
    watcher.feed('journal', [
      '{"_SYSTEMD_UNIT":"api.service","PRIORITY":"3","MESSAGE":"mmap failed: Cannot allocate memory"}',
      '{"_SYSTEMD_UNIT":"api.service","PRIORITY":"6","MESSAGE":"reloading","CODE_FUNC":"Invalid configuration"}',
      'not json',
    ]);
    expect(watcher.findings()).toEqual([
      expect.objectContaining({ cause: 'memory_exhaustion', source: 'journal', excerpt: 'mmap failed: Cannot allocate memory' }),
    ]);
    expect(watcher.stats().find((s) => s.source === 'journal')).toMatchObject({ kind: 'fed', linesScanned: 3, malformed: 1 });
  });

  it('bounds the number of fed sources', () => {
    watcher = new LogWatcher({ service: 'api', maxFedSources: 2 });
    watcher.feed('stdout', ['a']);
    watcher.feed('stderr', ['b']);
    expect(() => watcher!.feed('third', ['c'])).toThrow(/at most 2 fed log sources.*"third"/);
  });
});

describe('log watcher - causes known from elsewhere', () => {
  it('note() records a finding of a table cause with its row, counted per source; an unknown cause is refused', async () => {
    watcher = new LogWatcher({ service: 'worker', files: [join(dir, 'kern.log')], tail: { pollIntervalMs: 50 } });
    await watcher.start();
    appendFileSync(join(dir, 'kern.log'), 'kernel: Memory cgroup out of memory: Killed process 6824 (python3) total-vm:1048576kB, anon-rss:524288kB\n');
    await eventually(() => expect(watcher!.findings()).toHaveLength(1));
    expect(watcher.note('memory_exhaustion', 'oom-killer', "out of memory: the kernel's OOM killer killed python3 (pid 6825)")).toBe(true);
    expect(watcher.note('memory_exhaustion', 'oom-killer', "out of memory: the kernel's OOM killer killed python3 (pid 6826)")).toBe(true);
    expect(watcher.note('no_such_cause', 'oom-killer', 'x')).toBe(false);
    const report = watcher.report();
    expect(report.findings.map((f) => [f.cause, f.source, f.count])).toEqual([
      ['memory_exhaustion', join(dir, 'kern.log'), 1],
      ['memory_exhaustion', 'oom-killer', 2],
    ]);
    expect(report.findings[0]!.excerpt).toContain('Killed process 6824 (python3)');
    expect(report.findings[1]).toMatchObject({ excerpt: "out of memory: the kernel's OOM killer killed python3 (pid 6826)", diagnosis: 'The process was ended by a memory shortage.' });
    for (const f of report.findings) expect(findingMessageSchema.safeParse(f).success).toBe(true);
  });
});
