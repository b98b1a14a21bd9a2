// One simulator run: connect the fleet, warm up, measure with kills, say Goodbye, and
// turn what the workers, NATS, /proc and /metrics saw into one result.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { HostEventWatch } from './nats-watch.mjs';
import { planKills } from './kill-plan.mjs';
import { MetricsScraper } from './prom.mjs';
import { ProcSampler, readLoadavg, readUdpRcvbufErrors } from './proc.mjs';
import { summarize } from './report.mjs';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits for one message of `type` from every worker; a worker that dies fails the run. */
function fromAll(workers, type) {
  return Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          const on = (m) => {
            if (m.type !== type) return;
            w.child.off('message', on);
            w.child.off('exit', died);
            resolve(m);
          };
          const died = (code, signal) => reject(new Error(`simulator process ${w.child.pid} exited (${signal ?? code}) while waiting for "${type}"`));
          w.child.on('message', on);
          w.child.once('exit', died);
        }),
    ),
  );
}

export async function runFleet(opts, log = (line) => process.stderr.write(`${line}\n`)) {
  const hostIds = Array.from({ length: opts.agents }, (_, i) => `${opts.hostPrefix}${i + 1}${opts.hostSuffix}`);
  const load1Start = readLoadavg().load1;
  const udpDropsStart = readUdpRcvbufErrors();
  const watch = opts.nats ? await HostEventWatch.start(opts.nats) : undefined;

  // Contiguous slices: the owner of a host is its index divided by the slice size.
  const slice = Math.ceil(opts.agents / opts.processes);
  const workers = [];
  for (let p = 0; p < opts.processes; p++) {
    const ids = hostIds.slice(p * slice, (p + 1) * slice);
    if (ids.length === 0) break;
    const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    workers.push({ child, ids, live: 0, sent: 0, drops: 0 });
    child.on('message', (m) => {
      if (m.type === 'progress') Object.assign(workers[p], { live: m.live, sent: m.sent, drops: m.drops });
    });
    child.send({
      type: 'init',
      hostIds: ids,
      sourceAddresses: opts.sourceAddresses,
      agent: {
        host: opts.host,
        port: opts.port,
        targets: opts.targets,
        intervalMs: opts.intervalMs,
        livenessIntervalMs: opts.livenessIntervalMs,
        livenessDatagrams: opts.livenessDatagrams,
        jitter: opts.jitter,
        payload: opts.payload,
        firstHeartbeat: opts.firstHeartbeat,
        welcomeTimeoutMs: opts.welcomeTimeoutMs,
        acceptTimeoutMs: opts.acceptTimeoutMs,
      },
    });
  }
  const indexOf = new Map(hostIds.map((id, i) => [id, i]));
  const ownerOf = (hostId) => workers[Math.floor(indexOf.get(hostId) / slice)];

  const pids = {};
  if (opts.coordinatorPid) pids.coordinator = opts.coordinatorPid;
  if (opts.natsPid) pids.nats = opts.natsPid;
  workers.forEach((w, i) => (pids[`sim${i}`] = w.child.pid));
  const sampler = new ProcSampler(pids, 1000);
  sampler.start();
  const scraper = opts.metricsUrl ? new MetricsScraper(opts.metricsUrl, opts.scrapeIntervalMs) : undefined;
  scraper?.start();
  const status = setInterval(() => {
    const live = workers.reduce((a, w) => a + w.live, 0);
    const drops = workers.reduce((a, w) => a + w.drops, 0);
    const c = sampler.samples.at(-1)?.procs.coordinator;
    log(`  [${opts.label}] live=${live} drops=${drops}${c ? ` coordinator cpu=${c.cpuPct?.toFixed(0)}% rss=${(c.rss / 2 ** 20).toFixed(0)}MB` : ''} load1=${readLoadavg().load1}`);
  }, 10_000);

  try {
    // Idle baseline: what the coordinator holds before any agent connects.
    await sleep(2000);
    const idleEnd = performance.now();

    log(`[${opts.label}] connecting ${opts.agents} agents from ${workers.length} processes at ${opts.rampRate}/s`);
    const rampStart = performance.now();
    const readyP = fromAll(workers, 'ready');
    for (const w of workers) w.child.send({ type: 'connect', ratePerSec: opts.rampRate / workers.length, settleMs: opts.settleMs });
    const ready = await readyP;
    const rampS = (performance.now() - rampStart) / 1000;
    const connected = ready.reduce((a, r) => a + r.connected, 0);
    const connectFailed = ready.reduce((a, r) => a + r.failed, 0);
    log(`[${opts.label}] ${connected} connected (${connectFailed} failed) in ${rampS.toFixed(1)} s; warming up ${opts.warmupS} s`);
    await sleep(opts.warmupS * 1000);

    const plan = planKills(hostIds, opts.kills, opts.durationS * 1000 - opts.detectionDeadlineMs, opts.killMode, opts.seed, opts.killAtOnce);
    const kills = [];
    for (const w of workers) {
      w.child.on('message', (m) => {
        if (m.type === 'killed') kills.push(m);
      });
    }
    log(`[${opts.label}] measuring ${opts.durationS} s with ${plan.length} kills (${opts.killMode}${opts.killAtOnce ? ', all at once' : ''})`);
    for (const w of workers) w.child.send({ type: 'record', on: true });
    const t0 = performance.now();
    const wall0 = Date.now();
    const timers = plan.map((k) => setTimeout(() => ownerOf(k.hostId).child.send({ type: 'kill', hostId: k.hostId, mode: k.mode }), k.atMs));
    await sleep(opts.durationS * 1000);
    timers.forEach(clearTimeout);
    for (const w of workers) w.child.send({ type: 'record', on: false });
    await scraper?.scrapeNow();
    const t1 = performance.now();
    const wall1 = Date.now();

    log(`[${opts.label}] saying Goodbye`);
    const finalsP = fromAll(workers, 'final');
    for (const w of workers) w.child.send({ type: 'stop' });
    const finals = await finalsP;
    await Promise.all(workers.map((w) => new Promise((r) => (w.child.exitCode !== null ? r() : w.child.once('exit', r)))));

    return summarize({
      opts,
      cores: cpus().length,
      load1Start,
      load1End: readLoadavg().load1,
      udpRcvbufDrops: udpDropsStart === null ? null : readUdpRcvbufErrors() - udpDropsStart,
      rampS,
      connected,
      connectFailed,
      idleSamples: sampler.samples.filter((s) => s.t <= idleEnd),
      samples: sampler.between(t0, t1),
      snapshots: scraper ? scraper.between(t0 - opts.scrapeIntervalMs - 1000, t1 + 1000) : [],
      scrapeErrors: scraper?.errors ?? 0,
      watch,
      window: { wall0, wall1 },
      plannedKills: plan.length,
      kills,
      finals,
      // Which simulator process (index into finals) drives a host.
      ownerIndexOf: (hostId) => (indexOf.has(hostId) ? Math.floor(indexOf.get(hostId) / slice) : -1),
    });
  } finally {
    clearInterval(status);
    sampler.stop();
    scraper?.stop();
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await watch?.close();
  }
}
