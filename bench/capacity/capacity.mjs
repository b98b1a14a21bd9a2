#!/usr/bin/env node
// Capacity benchmark: for each fleet size, a fresh nats-server and coordinator on this
// machine, the fleet simulator against them, and the bounds checked. Prints the table and
// the largest size that held. Everything it starts is stopped by PID; temp dirs removed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBenchArgs, wholeNumbers } from '../cli.mjs';
import { readLoadavg, readOpenFilesLimit } from '../fleet/proc.mjs';
import { checkBounds } from './bounds.mjs';
import { NatsServer } from '@vigil/testkit';
import { outputTail, startCoordinator, REPO_ROOT } from './coordinator.mjs';
import { markdown, memoryPerAddedAgent, row } from './table.mjs';

const HELP = `capacity: the largest fleet one coordinator holds within the detection bounds

Usage: bench/capacity/run.sh [options]      (raises ulimit -n first)
       node bench/capacity/capacity.mjs [options]

  --sizes LIST            fleet sizes, in order                   [1000,5000,10000,15000,19500]
  --interval MS           heartbeat interval                      [5000]
  --warmup S              seconds after the last connection       [15]
  --duration S            measurement window with kills           [60]
  --kills K               agents killed per run                   [50]
  --kill-mode MODE        destroy | freeze | mixed                [mixed]
  --ramp-rate R           connections per second                  [200]
  --processes P           simulator processes                     [ceil(N/4000)]
  --source-addresses N    spread connections over 127.0.0.1..N    [1]
  --keep-going            run every size even after one fails
  --keep-dir              keep each run's directory (the coordinator's SQLite store,
                          whose transitions say why each host was judged) and print it
  --cpu-prof DIR          write a V8 CPU profile of each coordinator run into DIR
  --coordinator-args STR  extra coordinator options, space-separated
  --node-args=STR         extra options for the coordinator's node, space-separated,
                          e.g. --node-args="--max-semi-space-size=64 --trace-gc"
  --fleet-args=STR        extra simulator options, space-separated, e.g.
                          --fleet-args="--kill-at-once --first-heartbeat immediate"
  --out FILE              write every result (JSON) here
  -h, --help
`;

const values = parseBenchArgs('capacity', HELP, {
  sizes: { type: 'string', default: '1000,5000,10000,15000,19500' },
  interval: { type: 'string', default: '5000' },
  warmup: { type: 'string', default: '15' },
  duration: { type: 'string', default: '60' },
  kills: { type: 'string', default: '50' },
  'kill-mode': { type: 'string', default: 'mixed' },
  'ramp-rate': { type: 'string', default: '200' },
  processes: { type: 'string' },
  'source-addresses': { type: 'string', default: '1' },
  'keep-going': { type: 'boolean', default: false },
  'keep-dir': { type: 'boolean', default: false },
  'cpu-prof': { type: 'string' },
  'coordinator-args': { type: 'string', default: '' },
  'node-args': { type: 'string', default: '' },
  'fleet-args': { type: 'string', default: '' },
  out: { type: 'string' },
});
const sizes = wholeNumbers('capacity', 'sizes', values.sizes);
const log = (s) => process.stderr.write(`${s}\n`);
const FLEET = join(REPO_ROOT, 'bench/fleet/fleet.mjs');
// The coordinator inherits this limit: one descriptor per agent plus its own handful.
const fdLimit = readOpenFilesLimit();
const FD_HEADROOM = 256;

/** Runs the simulator as its own process and returns its result JSON. */
function runSimulator(args, outFile) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [FLEET, ...args, '--json-out', outFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`fleet simulator exited with ${code}`));
      // The table is for people; the file has the figures.
      log(out.split('\n').filter((l) => !l.startsWith('{')).join('\n'));
      resolvePromise(JSON.parse(readFileSync(outFile, 'utf8')));
    });
  });
}

async function runSize(n) {
  const dir = mkdtempSync(join(tmpdir(), `vigil-capacity-${n}-`));
  let nats;
  let coord;
  try {
    nats = await NatsServer.start(join(dir, 'nats'));
    const nodeArgs = [
      ...values['node-args'].split(/\s+/).filter(Boolean),
      ...(values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(values['cpu-prof']), '--cpu-prof-name', `coordinator-${n}.cpuprofile`] : []),
    ];
    if (values['cpu-prof']) mkdirSync(resolve(values['cpu-prof']), { recursive: true });
    const extraArgs = values['coordinator-args'].split(' ').filter(Boolean);
    coord = await startCoordinator({ natsUrl: nats.url, dataDir: join(dir, 'coordinator'), nodeArgs, extraArgs });
    log(`\n=== N=${n}: coordinator pid ${coord.child.pid} (gRPC ${coord.grpc}), nats-server pid ${nats.pid} (${nats.url}), load1 ${readLoadavg().load1}`);
    const args = [
      '--target', coord.grpc,
      '--agents', String(n),
      '--interval', values.interval,
      '--warmup', values.warmup,
      '--duration', values.duration,
      '--kills', values.kills,
      '--kill-mode', values['kill-mode'],
      '--ramp-rate', values['ramp-rate'],
      '--source-addresses', values['source-addresses'],
      '--nats', nats.url,
      '--coordinator-pid', String(coord.child.pid),
      '--nats-pid', String(nats.pid),
      '--metrics-url', coord.metricsUrl,
      '--label', `n=${n}`,
      ...(values.processes ? ['--processes', values.processes] : []),
      ...values['fleet-args'].split(' ').filter(Boolean),
    ];
    const result = await runSimulator(args, join(dir, 'result.json'));
    if (!coord.child.running) throw new Error(`the coordinator died during the run: ${outputTail(coord.child)}`);
    // Its warnings (log level warn) explain a failed run: partitions suspected, publish retries.
    result.coordinatorLog = outputTail(coord.child).split('\n').filter(Boolean).slice(-20);
    return result;
  } finally {
    // A profiled coordinator writes its profile on exit: give it time rather than SIGKILL.
    const c = await coord?.child.stop(values['cpu-prof'] ? 180_000 : 30_000);
    if (c?.signal === 'SIGKILL') log(`  coordinator pid ${coord.child.pid} needed SIGKILL to stop`);
    await nats?.stop(10_000);
    if (values['keep-dir']) log(`  [n=${n}] kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const started = Date.now();
const machine = { cores: cpus().length, memGB: Math.round(totalmem() / 2 ** 30), cpu: cpus()[0]?.model, node: process.version, fdLimit };
log(`capacity: sizes ${sizes.join(', ')}, interval ${values.interval} ms, ${values.kills} kills (${values['kill-mode']}) per run, ramp ${values['ramp-rate']}/s${values['fleet-args'] ? `, fleet ${values['fleet-args']}` : ''}; ${machine.cores} cores, open files limit ${fdLimit}, load1 ${readLoadavg().load1}`);
const results = [];
const rows = [];
let largest = null;
for (const n of sizes) {
  if (fdLimit !== null && n + FD_HEADROOM > fdLimit) {
    log(`\n=== N=${n}: skipped, the open files limit ${fdLimit} leaves no room (need ${n + FD_HEADROOM}; raise ulimit -n)`);
    results.push({ n, skipped: `open files limit ${fdLimit}` });
    continue;
  }
  let r;
  try {
    r = await runSize(n);
  } catch (err) {
    log(`\n=== N=${n}: run failed: ${err.message}`);
    results.push({ n, error: err.message });
    if (!values['keep-going']) break;
    continue;
  }
  const verdict = checkBounds(r);
  results.push({ ...r, verdict });
  rows.push(row(r, verdict));
  log(`=== N=${n}: ${verdict.ok ? 'holds' : `does not hold: ${verdict.reasons.join('; ')}`}`);
  if (!verdict.ok && r.coordinatorLog.length) log(`coordinator's last warnings:\n  ${r.coordinatorLog.slice(-8).join('\n  ')}`);
  if (verdict.ok) largest = n;
  else if (!values['keep-going']) break;
}

const table = markdown(rows);
process.stdout.write(`\n${table}\n\nLargest N within bounds (p99 detection <= 2 intervals + 1 s, no false positive, none missed): ${largest ?? 'none'}\n`);
const memory = memoryPerAddedAgent(results);
if (memory) process.stdout.write(`${memory.line}\n`);
process.stdout.write(`Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memGB} GB, Node ${machine.node}, open files ${fdLimit}; took ${Math.round((Date.now() - started) / 1000)} s\n`);
if (values.out) writeFileSync(values.out, `${JSON.stringify({ machine, sizes, interval: Number(values.interval), largest, results, memoryPerAddedAgent: memory?.figures ?? null }, null, 2)}\n`);
