#!/usr/bin/env node
// What the predictions cost a coordinator: a fleet of hosts with a full 6 h of history per
// series, then one evaluation round timed and the series memory measured.
//
// Needs the build: `pnpm exec tsc -b packages/coordinator` first (it imports dist/).
import { parseArgs } from 'node:util';
import { PredictionHarness, synthetic } from '../../packages/coordinator/dist/predictions/index.js';

const { values: args } = parseArgs({
  options: { hosts: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '5' }, noisy: { type: 'boolean', default: false } },
});
const HOSTS = Number(args.hosts);
const MIN = 60_000;
const H = 60 * MIN;

// A typical host: host memory, 2 filesystems (disk and inodes), 3 services with a check, an
// error rate and their memory: 14 series.
const SERIES = [
  ['', 'memory_percent', ''],
  ['', 'disk_percent', '/'],
  ['', 'inode_percent', '/'],
  ['', 'disk_percent', '/var'],
  ['', 'inode_percent', '/var'],
  ...['api', 'worker', 'web'].flatMap((s) => [
    [s, 'response_time_ms', 'health'],
    [s, 'error_rate', ''],
    [s, 'memory_percent', ''],
  ]),
];

const h = new PredictionHarness({ predictor: { persistSeries: false } });
// Rounds are run and timed by hand below, not by the timer.
h.predictor.stop();
const rng = new synthetic.Rng(1);
const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
// Six hours of one-minute buckets, written directly (six observations a bucket).
const start = h.clock.now();
for (let host = 0; host < HOSTS; host++) {
  for (const [service, metric, instance] of SERIES) {
    const base = metric === 'response_time_ms' ? 200 : metric === 'error_rate' ? 0.003 : 50;
    // Typical noise: memory ±0.5 point, disks ±0.02, response time ±10 %, error counts of 300
    // requests. --noisy: ±5 % on everything, so no series can be waved through cheaply.
    const sd = args.noisy ? base * 0.05 : { memory_percent: 0.5, disk_percent: 0.02, inode_percent: 0.02, response_time_ms: 20, error_rate: Math.sqrt(base / 300) }[metric];
    for (let t = start - 6 * H; t < start; t += 10_000) {
      h.series.observe(`host-${host}.bench`, service, metric, instance, Math.max(0, base + sd * rng.normal()), t);
    }
  }
}
const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const rounds = [];
for (let r = 0; r < Number(args.rounds); r++) {
  h.clock.advance(MIN);
  const t0 = performance.now();
  h.predictor.tick();
  rounds.push(performance.now() - t0);
}
rounds.sort((a, b) => a - b);
const series = h.series.size;
process.stdout.write(
  [
    `hosts ${HOSTS}, series ${series} (${SERIES.length} a host), buckets a series ${h.series.capacity}`,
    `series memory: ${(h.series.approxBytes() / 1048576).toFixed(1)} MB by the store's estimate, ${((heapAfter - heapBefore) / 1048576).toFixed(1)} MB heap + array buffers measured (${((heapAfter - heapBefore) / HOSTS / 1024).toFixed(0)} KB a host)`,
    `one round (disk and inode rules are due every 5th round): median ${rounds[rounds.length >> 1].toFixed(0)} ms, max ${rounds[rounds.length - 1].toFixed(0)} ms`,
    `per host and round: ${((rounds[rounds.length >> 1] * 1000) / HOSTS).toFixed(0)} µs; the timer runs a round in slices of ${h.predictor.opts.sliceMs} ms`,
  ].join('\n') + '\n',
);
for (const [rule, st] of Object.entries(h.predictor.stats())) {
  process.stdout.write(`  ${rule}: ${st.evaluations} evaluations, ${((st.totalMs * 1000) / Math.max(1, st.evaluations)).toFixed(0)} µs each\n`);
}
