#!/usr/bin/env node
// Two coordinators share one simulated fleet through NATS (--cluster, docs/scaling.md
// step 1). Agents are spread over both and fail over along the list. Partway through the
// measured window coordinator A is killed with SIGKILL: its agents move to B, B adopts the
// hosts of A, and the run reports false positives (silent events for live hosts), missed
// detections of the agents the simulator kills, and detection latency.
//
//   pnpm exec tsc -b && node bench/capacity/cluster.mjs --agents 2000
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NatsServer } from '@vigil/testkit';
import { REPO_ROOT, startCoordinator } from './coordinator.mjs';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '2000' },
    interval: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '15' },
    duration: { type: 'string', default: '60' },
    kills: { type: 'string', default: '20' },
    'kill-coordinator-after': { type: 'string', default: '20', short: 'k' },
    'ramp-rate': { type: 'string', default: '300' },
    'cluster-ttl': { type: 'string', default: '3s' },
    'restart-grace': { type: 'string', default: '5s' },
  },
});
const FLEET = join(REPO_ROOT, 'bench/fleet/fleet.mjs');
const log = (...a) => console.log(...a);

const dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-bench-'));
let nats;
const coords = [];
try {
  nats = await NatsServer.start(join(dir, 'nats'));
  const clusterArgs = (id) => ['--cluster', '--cluster-ttl', values['cluster-ttl'], '--restart-grace', values['restart-grace'], '--id', id];
  for (const id of ['coord-a', 'coord-b']) {
    coords.push(await startCoordinator({ natsUrl: nats.url, dataDir: join(dir, id), extraArgs: clusterArgs(id) }));
  }
  const [a, b] = coords;
  log(`cluster: ${values.agents} agents over coord-a (pid ${a.child.pid}, ${a.grpc}) and coord-b (pid ${b.child.pid}, ${b.grpc}); nats ${nats.url}`);
  const out = join(dir, 'result.json');
  const args = [
    FLEET, '--target', `${a.grpc},${b.grpc}`, '--agents', values.agents, '--interval', values.interval, '--warmup', values.warmup,
    '--duration', values.duration, '--kills', values.kills, '--kill-mode', 'destroy', '--ramp-rate', values['ramp-rate'],
    '--nats', nats.url, '--coordinator-pid', String(b.child.pid), '--metrics-url', b.metricsUrl, '--label', 'cluster', '--json-out', out,
  ];
  const fleet = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let progress = '';
  let killedAt;
  fleet.stdout.on('data', (c) => (text += c));
  // The simulator reports its progress on stderr.
  fleet.stderr.on('data', (c) => {
    process.stderr.write(c);
    progress += c;
    // Once the measured window starts, kill coord-a after the given number of seconds.
    if (killedAt === undefined && /measuring/.test(progress)) {
      killedAt = -1;
      setTimeout(() => {
        killedAt = Date.now();
        process.kill(a.child.pid, 'SIGKILL');
        log(`SIGKILL coord-a (pid ${a.child.pid}) ${values['kill-coordinator-after']} s into the measured window`);
      }, Number(values['kill-coordinator-after']) * 1000);
    }
  });
  const code = await new Promise((r) => fleet.on('exit', r));
  log(text.split('\n').filter((l) => !l.startsWith('{')).join('\n'));
  if (code !== 0) throw new Error(`fleet simulator exited with ${code}`);
  const r = JSON.parse(readFileSync(out, 'utf8'));
  log(`\ncoordinator A killed: ${killedAt > 0 ? 'yes' : 'no'}; agents reconnected during the run: ${r.sim?.reconnects ?? r.reconnects ?? '?'}`);
} finally {
  for (const c of coords) await c.child.stop(10_000).catch(() => undefined);
  await nats?.stop(10_000).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
