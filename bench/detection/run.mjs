#!/usr/bin/env node
// How fast a host outage is reported, Vigil and Prometheus + Alertmanager side by side:
// the same fault, at the same instant, to a vigil-agent and a node_exporter running on
// one host (a network namespace of the bench's own), timed from the fault to Vigil's
// `vigil.v1.host.silent.<host>` on NATS and to Alertmanager's firing webhook.
//
//   node bench/detection/run.mjs [--rounds 10] [--faults kill,freeze,cut] [--out FILE]
//
// See README.md.
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { durationOf, fail as failWith, parseBenchArgs, wholeNumber } from '../cli.mjs';
import { natsServerBinary, REPO_ROOT, removeTempDirs, tempDir } from '@vigil/testkit';
import { FAULTS, faultLabel } from './faults.mjs';
import { LoopbackHost, NetnsHost, netnsUnavailable } from './netns.mjs';
import { PROFILES, PromSide, promBinaries } from './prom.mjs';
import { summarize, table } from './stats.mjs';
import { VigilSide } from './vigil.mjs';

const HELP = `usage: node bench/detection/run.mjs [options]

  --rounds N          rounds per fault                                   [10]
  --faults LIST       of kill (kill -9), freeze (SIGSTOP), cut (the host's
                      link down, needs root for a network namespace)    [kill,freeze,cut]
  --timeout DUR       longest wait for a report, per round               [60s]
  --jitter DUR        a random wait of up to this before each fault, so
                      faults land at any phase of heartbeats and scrapes [5s]
  --debian-rounds N   then rounds per fault against Prometheus and
                      Alertmanager at Debian's shipped timings (15 s
                      scrape, 30 s group_wait); 0 skips them             [0]
  --out FILE          also write every delay and the summary as JSON
  -h, --help          this text
`;


const NAME = 'bench/detection';
const fail = (message) => failWith(NAME, message);
const opts = parseBenchArgs(NAME, HELP, {
  rounds: { type: 'string', default: '10' },
  faults: { type: 'string', default: 'kill,freeze,cut' },
  timeout: { type: 'string', default: '60s' },
  jitter: { type: 'string', default: '5s' },
  'debian-rounds': { type: 'string', default: '0' },
  out: { type: 'string' },
});
const rounds = wholeNumber(NAME, 'rounds', opts.rounds, 1);
const debianRounds = wholeNumber(NAME, 'debian-rounds', opts['debian-rounds'], 0);
const timeoutMs = durationOf(NAME, 'timeout', opts.timeout);
const jitterMs = durationOf(NAME, 'jitter', opts.jitter);
let faults = opts.faults.split(',').filter(Boolean);
for (const f of faults) if (!FAULTS.includes(f)) fail(`--faults: "${f}" is not a fault; use ${FAULTS.join(', ')}`);

for (const bin of ['packages/coordinator/dist/main.js', 'packages/agent/dist/vigil-agent.cjs', 'packages/testkit/dist/index.js']) {
  if (!existsSync(join(REPO_ROOT, bin))) fail(`${bin} is missing: build first (pnpm run build)`);
}
try {
  natsServerBinary();
} catch (err) {
  fail(err.message);
}
const bins = promBinaries();
if (bins.missing) fail(`missing: ${bins.missing.join('; ')}`);

const noNetns = netnsUnavailable();
if (noNetns && faults.includes('cut')) {
  process.stdout.write(`[skip] cut-link fault: ${noNetns}; the other faults run on 127.0.0.1\n`);
  faults = faults.filter((f) => f !== 'cut');
}
if (faults.length === 0) fail('no fault left to run');

const work = tempDir('bench-detection');
const host = noNetns ? new LoopbackHost() : NetnsHost.create();
const sides = [];

let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    // Processes first, by PID (a namespace lives as long as one runs inside), then the network.
    for (const s of sides.reverse()) await s.stop().catch(() => {});
    host.destroy();
    removeTempDirs();
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    process.stdout.write(`\n${sig}: stopping everything the bench started\n`);
    void cleanup().then(() => process.exit(130));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (ms) => (ms === null ? `none within ${timeoutMs / 1000}s` : `${(ms / 1000).toFixed(2)}s`);

/**
 * n rounds of one fault against every side at once; the delays per side, and each round's
 * reason for the verdict where a side gives one (Vigil's "no heartbeat for N ms").
 */
async function measure(fault, n, against) {
  const delays = Object.fromEntries(against.map((s) => [s.name, []]));
  const reasons = [];
  for (let i = 1; i <= n; i++) {
    await Promise.all(against.map((s) => s.waitHealthy()));
    await sleep(Math.random() * jitterMs);
    const t0 = performance.now();
    if (fault === 'cut') host.cut();
    for (const s of against) s.fault(fault);
    const got = await Promise.all(against.map((s) => s.detected(t0, timeoutMs)));
    if (fault === 'cut') host.restore();
    for (const s of against) await s.restore(fault);
    against.forEach((s, k) => delays[s.name].push(got[k]));
    const why = against.map((s) => s.why?.(t0)).filter(Boolean);
    reasons.push(why.join('; ') || null);
    process.stdout.write(`  ${fault} ${i}/${n}: ${against.map((s, k) => `${s.name} ${fmt(got[k])}`).join(', ')}${why.length > 0 ? ` [${why.join('; ')}]` : ''}\n`);
  }
  await Promise.all(against.map((s) => s.waitHealthy()));
  return { delays, reasons };
}

const result = {
  command: `node ${process.argv.slice(1).join(' ')}`,
  startedAt: new Date().toISOString(),
  rounds,
  debianRounds,
  timeoutMs,
  jitterMs,
  host: host.describe(),
  prometheus: debianRounds > 0 ? PROFILES : { fast: PROFILES.fast },
  load1: { start: loadavg()[0] },
  faults: {},
};
try {
  process.stdout.write(`host: ${host.describe()}\nload1 at start: ${loadavg()[0].toFixed(2)}\n`);
  sides.push(await VigilSide.start({ host, work }));
  sides.push(await PromSide.start({ host, work, profile: 'fast', bins: bins.found }));
  for (const s of sides) process.stdout.write(`${s.name}: ${s.describe()}\n`);

  for (const fault of faults) {
    process.stdout.write(`${faultLabel(fault)}, ${rounds} rounds\n`);
    const { delays, reasons } = await measure(fault, rounds, sides);
    result.faults[fault] = { delaysMs: delays, reasons };
  }

  if (debianRounds > 0) {
    // Vigil is not measured again: only Prometheus' timings change. Each round gets a new
    // Prometheus and Alertmanager: at group_interval 5m a second firing of the same group
    // would wait for the group's next flush, which measures Alertmanager's memory of the
    // previous round rather than the detection of this one.
    await sides.pop().stop();
    const debianTimeoutMs = Math.max(timeoutMs, 180_000);
    for (const fault of faults) {
      process.stdout.write(`${faultLabel(fault)}, ${debianRounds} rounds at Debian's timings\n`);
      const delays = [];
      for (let i = 1; i <= debianRounds; i++) {
        const debian = await PromSide.start({ host, work: join(work, `debian-${fault}-${i}`), profile: 'debian', bins: bins.found });
        sides.push(debian);
        if (i === 1 && fault === faults[0]) process.stdout.write(`${debian.name}: ${debian.describe()}\n`);
        await sleep(Math.random() * 15_000); // any phase of the 15 s scrape and evaluation
        const t0 = performance.now();
        if (fault === 'cut') host.cut();
        debian.fault(fault);
        const got = await debian.detected(t0, debianTimeoutMs);
        if (fault === 'cut') host.restore();
        await debian.restore(fault);
        await sides.pop().stop();
        delays.push(got);
        process.stdout.write(`  ${fault} ${i}/${debianRounds}: ${debian.name} ${got === null ? `none within ${debianTimeoutMs / 1000}s` : `${(got / 1000).toFixed(2)}s`}\n`);
      }
      result.faults[fault].delaysMs[`prometheus-debian`] = delays;
    }
    // The cuts also cut Vigil's agent: it must be back before the end.
    await sides[0].waitHealthy();
  }
  result.load1.end = loadavg()[0];

  process.stdout.write('\n');
  for (const fault of faults) {
    const rows = Object.entries(result.faults[fault].delaysMs).map(([side, delays]) => ({ side, summary: summarize(delays) }));
    result.faults[fault].summary = Object.fromEntries(rows.map((r) => [r.side, r.summary]));
    process.stdout.write(`${table(`${faultLabel(fault)}: fault → report`, rows)}\n\n`);
  }
  process.stdout.write(`load1: ${result.load1.start.toFixed(2)} at start, ${result.load1.end.toFixed(2)} at end\n`);
  if (opts.out) {
    writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`wrote ${opts.out}\n`);
  }
} catch (err) {
  process.stderr.write(`bench/detection: ${err.stack ?? err}\n`);
  for (const s of sides) process.stderr.write(`${s.output()}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
