#!/usr/bin/env node
// Memory per connected agent: a fresh nats-server and coordinator, N simulated agents
// (bench/fleet, no kills), and the coordinator's RSS and V8 heap sampled once every agent
// is connected and has held for a while, minus the same figures before the first agent.
// --fill makes every prediction series reach its whole ring (361 buckets, as after 6 h at
// the defaults) within a few minutes: 500 ms buckets kept 3 min. --heap-snapshot writes a
// V8 heap snapshot of the loaded coordinator (large: run it at a few thousand agents).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBenchArgs, wholeNumber } from '../cli.mjs';
import { NatsServer, waitFor } from '@vigil/testkit';
import { readLoadavg, readStatus } from '../fleet/proc.mjs';
import { parsePrometheus } from '../fleet/prom.mjs';
import { REPO_ROOT, outputTail, startCoordinator } from './coordinator.mjs';

const HELP = `memory: coordinator RSS and heap per connected agent

Usage: node bench/capacity/memory.mjs [options]     (ulimit -n above N)

  --agents N             simulated agents                                 [2000]
  --hold S               seconds every agent stays connected before sampling [60]
  --fill                 prediction series fill their whole ring in 3 min (500 ms buckets, 3 min
                         retention, rules off); hold at least 200 s
  --ramp-rate R          connections per second                           [300]
  --welcome-timeout MS   the simulator's Welcome timeout                  [30000]
  --payload KIND         typical | minimal (no resource sample: no series) [typical]
  --heap-snapshot DIR    write a heap snapshot of the loaded coordinator into DIR
  -h, --help
`;

const values = parseBenchArgs('memory', HELP, {
  agents: { type: 'string', default: '2000' },
  hold: { type: 'string', default: '60' },
  fill: { type: 'boolean', default: false },
  'ramp-rate': { type: 'string', default: '300' },
  'welcome-timeout': { type: 'string', default: '30000' },
  payload: { type: 'string', default: 'typical' },
  'heap-snapshot': { type: 'string' },
});
const N = wholeNumber('memory', 'agents', values.agents);
const HOLD = wholeNumber('memory', 'hold', values.hold);
const RULES_OFF = ['gradual_performance_degradation', 'resource_trend_analysis', 'error_rate_spike', 'disk_exhaustion', 'inode_exhaustion', 'memory_exhaustion'];
const log = (s) => process.stderr.write(`${s}\n`);
const MB = 1024 * 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function metrics(url) {
  const m = parsePrometheus(await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).text());
  const mem = (kind) => m.get(`vigil_process_memory_bytes{kind="${kind}"}`) ?? NaN;
  return { connected: m.get('vigil_connected_agents') ?? 0, heapUsed: mem('heap_used'), heapTotal: mem('heap_total'), external: mem('external') };
}

/** The median of a few samples a couple of seconds apart: one sample may sit on a GC peak. */
async function sample(pid, url, n = 5) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push({ rss: readStatus(pid).rss, ...(await metrics(url)) });
    if (i < n - 1) await sleep(2000);
  }
  const med = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  return { rss: med('rss'), heapUsed: med('heapUsed'), heapTotal: med('heapTotal'), external: med('external'), connected: med('connected') };
}

const dir = mkdtempSync(join(tmpdir(), `vigil-memory-${N}-`));
let nats;
let coord;
let fleet;
try {
  nats = await NatsServer.start(join(dir, 'nats'));
  const extraArgs = [];
  if (values.fill) {
    // Same ring size as the defaults (retention / bucket + 1 = 361), reached in 3 minutes.
    // The rules look back further than 3 min and are refused with such a retention: they
    // are turned off (the series are fed all the same); what they keep per series is small.
    const config = join(dir, 'coordinator.yaml');
    const rules = Object.fromEntries(RULES_OFF.map((r) => [r, false]));
    writeFileSync(config, JSON.stringify({ predictions: { bucket: '500ms', retention: '3m', rules } }));
    extraArgs.push('--config', config);
  }
  const snapDir = values['heap-snapshot'] ? resolve(values['heap-snapshot']) : undefined;
  const nodeArgs = snapDir ? ['--heapsnapshot-signal=SIGUSR2'] : [];
  coord = await startCoordinator({ natsUrl: nats.url, dataDir: join(dir, 'coordinator'), nodeArgs, extraArgs });
  const pid = coord.child.pid;
  await sleep(3000);
  const idle = await sample(pid, coord.metricsUrl, 3);
  const load0 = readLoadavg().load1;
  log(`memory: N=${N}${values.fill ? ', rings filled' : ''}, coordinator pid ${pid}, idle RSS ${(idle.rss / MB).toFixed(0)} MB, heap ${(idle.heapUsed / MB).toFixed(0)} MB, load1 ${load0}`);

  // The simulator outlives the sampling: warmup covers the hold, the window the samples.
  const args = [
    join(REPO_ROOT, 'bench/fleet/fleet.mjs'),
    '--target', coord.grpc, '--agents', String(N), '--kills', '0', '--ramp-rate', values['ramp-rate'],
    '--welcome-timeout', values['welcome-timeout'], '--payload', values.payload,
    '--settle', '120', '--warmup', String(HOLD + 120), '--duration', '20', '--label', `memory n=${N}`,
  ];
  fleet = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const fleetExit = new Promise((r) => fleet.on('exit', r));
  const allUp = await waitFor(async () => ((await metrics(coord.metricsUrl)).connected >= N ? true : undefined), {
    timeoutMs: (N / Number(values['ramp-rate'])) * 1000 + 180_000,
    intervalMs: 2000,
    what: `${N} agents connected`,
  }).catch(() => false);
  if (!allUp) log(`memory: not every agent connected; figures are per agent actually connected`);
  log(`memory: connected, holding ${HOLD} s`);
  await sleep(HOLD * 1000);
  const loaded = await sample(pid, coord.metricsUrl);
  const load1 = readLoadavg().load1;
  if (snapDir) {
    const before = new Set(readdirSync(join(dir, 'coordinator')));
    process.kill(pid, 'SIGUSR2');
    const file = await waitFor(
      () => readdirSync(join(dir, 'coordinator')).find((f) => f.endsWith('.heapsnapshot') && !before.has(f)),
      { timeoutMs: 600_000, intervalMs: 2000, what: 'the heap snapshot' },
    );
    // Written once the size stops changing.
    let size = -1;
    for (;;) {
      await sleep(3000);
      const now = statSync(join(dir, 'coordinator', file)).size;
      if (now === size) break;
      size = now;
    }
    mkdirSync(snapDir, { recursive: true });
    renameSync(join(dir, 'coordinator', file), join(snapDir, `coordinator-${N}.heapsnapshot`));
    log(`memory: heap snapshot in ${join(snapDir, `coordinator-${N}.heapsnapshot`)}`);
  }
  const n = loaded.connected;
  const per = (k) => (((loaded[k] - idle[k]) / n) / 1024).toFixed(1);
  const result = {
    agents: N, connected: n, fill: values.fill, payload: values.payload, hold: HOLD, load1: [load0, load1],
    idleMB: { rss: idle.rss / MB, heapUsed: idle.heapUsed / MB, external: idle.external / MB },
    loadedMB: { rss: loaded.rss / MB, heapUsed: loaded.heapUsed / MB, heapTotal: loaded.heapTotal / MB, external: loaded.external / MB },
    perAgentKB: { rss: Number(per('rss')), heapUsed: Number(per('heapUsed')), heapTotal: Number(per('heapTotal')), external: Number(per('external')) },
  };
  process.stdout.write(
    `N=${N} connected=${n}${values.fill ? ' (rings filled)' : ''} payload=${values.payload} load1 ${load0} → ${load1}\n` +
      `  RSS        ${(idle.rss / MB).toFixed(0)} → ${(loaded.rss / MB).toFixed(0)} MB   ${per('rss')} KB/agent\n` +
      `  heap used  ${(idle.heapUsed / MB).toFixed(0)} → ${(loaded.heapUsed / MB).toFixed(0)} MB   ${per('heapUsed')} KB/agent (heap total ${per('heapTotal')} KB/agent)\n` +
      `  external   ${(idle.external / MB).toFixed(0)} → ${(loaded.external / MB).toFixed(0)} MB   ${per('external')} KB/agent (array buffers, e.g. the series rings)\n` +
      `${JSON.stringify(result)}\n`,
  );
  if (fleet.exitCode === null) fleet.kill('SIGTERM');
  await fleetExit;
} catch (err) {
  log(`memory: ${err.stack ?? err}`);
  if (coord) log(outputTail(coord.child));
  process.exitCode = 1;
} finally {
  if (fleet && fleet.exitCode === null) fleet.kill('SIGTERM');
  await coord?.child.stop(30_000);
  await nats?.stop(10_000);
  rmSync(dir, { recursive: true, force: true });
}
