#!/usr/bin/env node
// How fast a coordinator starts, and what it holds idle: the first seconds of every restart
// (bench/capacity/restart.mjs) are this. Starts a coordinator (no NATS, a fresh data dir)
// N times, one at a time, and prints the median and range of: the time from spawn until
// it answers /healthz, its CPU time by then, and its RSS once started. Also starts the
// liveness datagram receiver's thread on its own N times (source tree only).
//
//   pnpm exec tsc -b && node bench/capacity/start.mjs [--runs 5] [--program PATH]
import { resolve } from 'node:path';
import { parseBenchArgs, wholeNumber } from '../cli.mjs';
import { median } from '../fleet/histogram.mjs';
import { clockTicks, readStat, readStatus } from '../fleet/proc.mjs';
import { Coordinator } from '@vigil/testkit';
import { REPO_ROOT } from './coordinator.mjs';

const HELP = `start: coordinator start time and idle memory

Usage: node bench/capacity/start.mjs [options]
  --runs N          starts to measure, one at a time                   [5]
  --program PATH    a release's bin/vigil-coordinator instead of the source tree's dist/
`;
const values = parseBenchArgs('start', HELP, {
  runs: { type: 'string', default: '5' },
  program: { type: 'string' },
});
const runs = wholeNumber('start', 'runs', values.runs);

/** utime + stime of a process in ms. */
function cpuMs(pid) {
  const { utime, stime } = readStat(pid);
  return ((utime + stime) * 1000) / clockTicks();
}
const rssMB = (pid) => (readStatus(pid).rss ?? NaN) / 2 ** 20;
const summary = (xs, unit, digits = 0) => `${median(xs).toFixed(digits)} ${unit} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

const program = values.program ? resolve(values.program) : undefined;
const rows = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const c = await Coordinator.start({ nats: 'none', logLevel: 'warn', ...(program ? { program } : {}) });
  const wallMs = performance.now() - t0;
  rows.push({ wallMs, cpuMs: cpuMs(c.pid), rssMB: rssMB(c.pid) });
  await c.stop();
}
console.log(`coordinator (${program ?? 'source tree dist/'}), ${runs} starts, median (range):`);
console.log(`  spawn → /healthz   ${summary(rows.map((r) => r.wallMs), 'ms')}`);
console.log(`  CPU by then        ${summary(rows.map((r) => r.cpuMs), 'ms')}`);
console.log(`  RSS once started   ${summary(rows.map((r) => r.rssMB), 'MB', 1)}`);

if (!program) {
  const { LivenessDatagrams } = await import(resolve(REPO_ROOT, 'packages/coordinator/dist/liveness/datagram-receiver.js'));
  const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {}, child: () => quiet };
  const starts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const d = await LivenessDatagrams.start('127.0.0.1', [0], quiet);
    starts.push(performance.now() - t0);
    await d.stop();
  }
  console.log(`liveness receiver thread, ${runs} starts: ${summary(starts, 'ms')} until it listens`);
}
