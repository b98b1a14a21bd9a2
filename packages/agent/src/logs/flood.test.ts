import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test-fixtures/helpers.js';
import { LogWatcher } from './log-watcher.js';

/**
 * A separate process writes `rate` lines a second for `ms` milliseconds, as a busy
 * logger does (buffered, a batch every ~5 ms); one line in 1000 names a root cause. It
 * prints what it wrote. Separate, so the flood costs this process only what reading costs.
 */
const WRITER = `
const fs = require('node:fs');
const [path, ms, rate] = process.argv.slice(1).map((v, i) => (i === 0 ? v : Number(v)));
const fd = fs.openSync(path, 'a');
const start = Date.now();
let lines = 0, bytes = 0;
function tick() {
  const elapsed = Math.min(Date.now() - start, ms);
  const due = Math.floor((elapsed * rate) / 1000);
  let batch = '';
  for (; lines < due; lines++) {
    batch += lines % 1000 === 999
      ? '2024-05-01T12:00:00.000Z ERROR worker-' + (lines % 8) + ' java.lang.OutOfMemoryError: Java heap space (request ' + lines + ')\\n'
      : '2024-05-01T12:00:00.000Z INFO worker-' + (lines % 8) + ' handled GET /api/v1/items/' + lines + ' in 3ms status=200\\n';
  }
  if (batch) bytes += fs.writeSync(fd, batch);
  if (elapsed < ms) setTimeout(tick, 5);
  else { fs.closeSync(fd); process.stdout.write(JSON.stringify({ lines, bytes, ms: Date.now() - start })); }
}
tick();
`;

function runWriter(path: string, ms: number, rate: number): Promise<{ lines: number; bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', WRITER, path, String(ms), String(rate)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited with ${code}`))));
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-flood-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('log watcher - flood', () => {
  it('scans a bounded number of lines a second, counts the rest, and keeps the event loop responsive', async () => {
    const path = join(dir, 'noisy.log');
    writeFileSync(path, '');
    const maxLinesPerSecond = 2000;
    const watcher = new LogWatcher({ service: 'noisy', files: [path], maxLinesPerSecond });
    await watcher.start();

    // Stands in for the heartbeat timer: how late does a 50 ms interval fire during the flood?
    const lags: number[] = [];
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      lags.push(now - last - 50);
      last = now;
    }, 50);
    const cpuBefore = process.cpuUsage();
    const t0 = performance.now();
    try {
      const written = await runWriter(path, 2000, 100_000);
      const source = () => watcher.stats()[0]!;
      // Every byte written is accounted for, as scanned or skipped, once the reader catches up.
      await eventually(() => expect(source().bytesScanned + source().skippedBytes).toBe(written.bytes), 10_000);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const s = source();
      const findings = watcher.findings();
      lags.sort((a, b) => a - b);
      const figures = {
        writtenLines: written.lines,
        writtenBytes: written.bytes,
        writerMs: written.ms,
        seconds: Number(seconds.toFixed(2)),
        linesScanned: s.linesScanned,
        skippedLines: s.skippedLines,
        skippedBytes: s.skippedBytes,
        bytesRead: s.bytesRead,
        oomFindings: findings[0]?.count ?? 0,
        probeTicks: lags.length,
        lagMaxMs: Number(lags.at(-1)!.toFixed(1)),
        lagP50Ms: Number(lags[Math.floor(lags.length / 2)]!.toFixed(1)),
        cpuMsPerSecond: Number(((cpu.user + cpu.system) / 1000 / seconds).toFixed(0)),
      };
      console.log('flood figures', JSON.stringify(figures));

      expect(written.lines).toBeGreaterThanOrEqual(190_000);
      // Bounded work: one second of burst plus the rate for the time that passed.
      expect(s.linesScanned).toBeLessThanOrEqual(maxLinesPerSecond * (seconds + 1));
      expect(s.linesScanned).toBeGreaterThan(0);
      // What was not scanned is counted, line by line and byte by byte.
      expect(s.skippedLines).toBeGreaterThan(written.lines / 2);
      expect(s.linesScanned + s.skippedLines).toBeLessThanOrEqual(written.lines);
      expect(s.skippedBytes).toBeGreaterThan(written.bytes / 2);
      // Root causes in the scanned share are still found.
      expect(findings).toEqual([expect.objectContaining({ cause: 'memory_exhaustion', source: path, skippedLines: s.skippedLines })]);
      // The event loop kept turning: the 50 ms timer was never badly late (generous for a shared CI box).
      expect(lags.length).toBeGreaterThan(10);
      expect(figures.lagMaxMs).toBeLessThan(1_000);
    } finally {
      clearInterval(probe);
      await watcher.stop();
    }
  });
});
