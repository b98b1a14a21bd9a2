#!/usr/bin/env node
// A coordinator restart under a connected fleet: N simulated agents (bench/fleet, the
// shipped timings: samples at 5 s, liveness at 1 s, Welcome timeout 5 s, vigil-agent's
// reconnect backoff) are connected and steady, then the coordinator is killed (SIGKILL, or
// SIGTERM with --mode term) and started again at once on the same data dir and ports. Every
// agent reconnects at once. The run reports how long until all of them are connected and
// online again, the silent events published for hosts that never went down (false
// positives), and the Hellos the coordinator shed or that timed out meanwhile. A false
// positive on an agent whose simulator process itself stood still for ≥ 1 s just before
// (thousands of agents share one process here, a real agent has a host to itself) is a
// frozen agent detected, and is shown apart; the bound counts the others.
//
//   pnpm exec tsc -b && node bench/capacity/restart.mjs --agents 10000
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fail, parseBenchArgs, wholeNumber } from '../cli.mjs';
import { Coordinator, NatsServer, waitFor } from '@vigil/testkit';
import { REPO_ROOT } from './coordinator.mjs';

const HELP = `restart: a coordinator restart with N agents reconnecting at once

Usage: node bench/capacity/restart.mjs [options]
  --agents N        simulated agents                                   [10000]
  --mode MODE       kill (SIGKILL) | term (SIGTERM, a clean stop)      [kill]
  --ramp-rate R     first connections per second                       [300]
  --within S        the bound: all online again within S seconds       [30]
  --coordinator-args STR  extra coordinator options, space-separated
  --node-args STR   extra options for the coordinator's node (both starts), space-separated,
                    e.g. --node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"
  --program PATH    run this coordinator launcher instead of the source tree's dist/: a
                    release folder's bin/vigil-coordinator (pnpm run package), i.e. what ships
  --grace-wait S    after all are online, follow for S seconds how many hosts a broken stream
                    would judge by the short grace their agents need (agent) and how many by the
                    configured disconnectGrace (configured): the storm's slow connects are timed
                    again by Echo from echoAfter (30 s) on                             [0]
  --keep-dir        keep the run's directory (the coordinator's store and log, the simulator's JSON) and print it;
                    a run with a false positive keeps it anyway, and prints those hosts' transitions
  --out FILE        also write the result as JSON
`;

const values = parseBenchArgs('restart', HELP, {
  agents: { type: 'string', default: '10000' },
  mode: { type: 'string', default: 'kill' },
  'ramp-rate': { type: 'string', default: '300' },
  within: { type: 'string', default: '30' },
  out: { type: 'string' },
  'coordinator-args': { type: 'string', default: '' },
  'node-args': { type: 'string', default: '' },
  program: { type: 'string' },
  'keep-dir': { type: 'boolean', default: false },
  'grace-wait': { type: 'string', default: '0' },
});
const agents = wholeNumber('restart', 'agents', values.agents);
const withinS = wholeNumber('restart', 'within', values.within);
const graceWaitS = wholeNumber('restart', 'grace-wait', values['grace-wait']);
if (!['kill', 'term'].includes(values.mode)) fail('restart', `--mode "${values.mode}": give kill or term`);

const FLEET = join(REPO_ROOT, 'bench/fleet/fleet.mjs');
const log = (...a) => console.log(...a);
/** Gauges read off /metrics: `vigil_connected_agents` and `vigil_hosts{state="online"}`. */
async function gauges(base) {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
  const read = (re) => Number(re.exec(text)?.[1] ?? NaN);
  const refused = {};
  for (const m of text.matchAll(/^vigil_agent_messages_rejected_total\{reason="([^"]+)"\} (\S+)$/gm)) refused[m[1]] = Number(m[2]);
  const grace = {};
  for (const m of text.matchAll(/^vigil_disconnect_grace_hosts\{grace="([^"]+)"\} (\S+)$/gm)) grace[m[1]] = Number(m[2]);
  return {
    grace,
    connected: read(/^vigil_connected_agents (\S+)$/m),
    online: read(/^vigil_hosts\{state="online"\} (\S+)$/m),
    cpuS: read(/^vigil_process_cpu_seconds_total (\S+)$/m),
    lagMaxS: read(/^vigil_process_eventloop_lag_seconds\{quantile="1"\} (\S+)$/m),
    refused,
  };
}
async function natsReady(base) {
  await waitFor(async () => ((await (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) })).json()).nats === 'connected' ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: `${base}/healthz to report NATS connected`,
  });
}

/**
 * What the coordinator recorded about each host judged silent while alive: its transitions
 * with their reasons, newest last, from the restarted coordinator (its store holds the
 * stopped one's too). A false positive is rare here, so the run that has one says why.
 */
async function explainFalsePositives(base, hostIds, sinceMs) {
  const lines = [];
  for (const id of hostIds) {
    try {
      const res = await fetch(`${base}/v1/hosts/${encodeURIComponent(id)}`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) {
        lines.push(`  ${id}: GET /v1/hosts/${id} answered ${res.status}`);
        continue;
      }
      const { host } = await res.json();
      const recent = host.history.filter((t) => Date.parse(t.at) >= sinceMs).reverse();
      lines.push(`  ${id} (now ${host.state}${host.connected ? ', connected' : ''}):`);
      for (const t of recent) lines.push(`    ${t.at} ${t.from ?? '-'} → ${t.to}: ${t.reason}`);
    } catch (err) {
      lines.push(`  ${id}: ${err.message}`);
    }
  }
  return lines;
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-restart-bench-'));
let keepDir = values['keep-dir'];
let nats;
let coordinator;
let fleet;
try {
  nats = await NatsServer.start(join(dir, 'nats'));
  coordinator = await Coordinator.start({ nats: nats.url, dataDir: join(dir, 'coordinator'), logLevel: 'warn', cwd: dir, startTimeoutMs: 30_000, extraArgs: values['coordinator-args'].split(' ').filter(Boolean), nodeArgs: values['node-args'].split(/\s+/).filter(Boolean), ...(values.program ? { program: resolve(values.program) } : {}) });
  await natsReady(coordinator.baseUrl);
  const out = join(dir, 'fleet.json');
  // Long enough for the restart and the bound, with the simulator's own checks after it.
  const durationS = withinS + 30 + graceWaitS;
  const args = [
    FLEET, '--target', coordinator.grpcTarget, '--agents', String(agents), '--kills', '0', '--ramp-rate', values['ramp-rate'],
    '--warmup', '10', '--duration', String(durationS), '--nats', nats.url, '--label', `restart-${values.mode}`, '--json-out', out,
  ];
  log(`restart: ${agents} agents → ${coordinator.grpcTarget} (pid ${coordinator.pid}); nats ${nats.url}`);
  fleet = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Taken now: the simulator may exit (its duration over) before the wait below ends, and a
  // listener added after 'exit' would wait forever, leaving the coordinator running.
  const exited = new Promise((resolve) => fleet.on('exit', resolve));
  let progress = '';
  fleet.stdout.on('data', () => undefined);
  const measuring = new Promise((resolve, reject) => {
    fleet.stderr.on('data', (c) => {
      process.stderr.write(c);
      progress += c;
      if (/measuring/.test(progress)) resolve();
    });
    fleet.on('exit', (code) => reject(new Error(`the simulator exited (${code}) before the fleet was up`)));
  });
  await measuring;
  const before = await gauges(coordinator.baseUrl);
  log(`restart: fleet steady (${before.connected} connected, ${before.online} online); ${values.mode === 'kill' ? 'SIGKILL' : 'SIGTERM'} and start again`);
  const t0 = performance.now();
  const t0Wall = Date.now();
  if (values.mode === 'kill') await coordinator.kill();
  else await coordinator.stop(30_000);
  const down = performance.now() - t0;
  // The stopped process, whose last log line says how long each part of its stop took.
  const stoppedChild = coordinator.child;
  await coordinator.restart();
  const up = performance.now() - t0;
  let last = { connected: 0, online: 0 };
  let allConnectedMs = null;
  let allOnlineMs = null;
  // Agents connected at each whole second from the kill: where the reconnect's time goes
  // (the first seconds quiet, then the admission rate, then the stragglers).
  const timeline = [];
  await waitFor(
    async () => {
      last = await gauges(coordinator.baseUrl).catch(() => last);
      const at = performance.now() - t0;
      if (timeline.length === 0 || Math.floor(at / 1000) > timeline.at(-1).s) timeline.push({ s: Math.floor(at / 1000), ...last });
      if (allConnectedMs === null && last.connected >= agents) allConnectedMs = at;
      if (allOnlineMs === null && last.online >= agents && last.connected >= agents) allOnlineMs = at;
      return allConnectedMs !== null && allOnlineMs !== null ? true : undefined;
    },
    { timeoutMs: (withinS + 60) * 1000, intervalMs: 250, what: `all ${agents} agents connected and online again` },
  ).catch(() => undefined);
  // How soon the fleet is back to the short grace: every 5 s from all online.
  const graceTimeline = [];
  if (graceWaitS > 0 && allOnlineMs !== null) {
    const end = performance.now() + graceWaitS * 1000;
    for (;;) {
      const g = await gauges(coordinator.baseUrl).catch(() => undefined);
      if (g) graceTimeline.push({ s: Math.round((performance.now() - t0) / 1000), agent: g.grace.agent ?? 0, configured: g.grace.configured ?? 0, minimum: g.grace.minimum ?? 0, connected: g.connected });
      if (performance.now() >= end) break;
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
  const exit = await exited;
  const r = JSON.parse(readFileSync(out, 'utf8'));
  const result = {
    agents,
    mode: values.mode,
    stopMs: Math.round(down),
    restartedMs: Math.round(up),
    allConnectedMs: allConnectedMs && Math.round(allConnectedMs),
    allOnlineMs: allOnlineMs && Math.round(allOnlineMs),
    last,
    falsePositives: r.detectionMs?.falsePositives ?? null,
    // Of them, verdicts on agents whose simulator process itself stood still ≥ 1 s just
    // before: those agents sent nothing, like frozen hosts (bench/fleet/report.mjs).
    onStalledSimulator: r.detectionMs?.explainedBySimulatorStall ?? null,
    unexplainedFalsePositives: r.detectionMs?.unexplainedFalsePositives ?? null,
    simulatorStalls: { count: r.sim?.stalls ?? null, longestMs: r.sim?.longestStallMs ?? null },
    falsePositiveHosts: r.detectionMs?.falsePositiveHosts ?? [],
    welcome: r.welcomeMs ?? null,
    connectFailed: r.connectFailed,
    failedAttempts: r.sim?.connectErrors ?? null,
    simulatorExit: exit,
    timeline,
    graceBefore: before.grace,
    graceTimeline,
  };
  const holds = result.allOnlineMs !== null && result.allOnlineMs <= withinS * 1000 && result.unexplainedFalsePositives === 0;
  log('');
  log('| agents | restart | coordinator down → up ms | all connected ms | all online ms | false positives (on a stalled simulator process) | simulator stalls ≥ 1 s (longest ms) | Welcome p99 ms | failed attempts | holds |');
  log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  log(`| ${agents} | ${values.mode} | ${result.stopMs} → ${result.restartedMs} | ${result.allConnectedMs ?? '-'} | ${result.allOnlineMs ?? '-'} | ${result.falsePositives ?? '-'} (${result.onStalledSimulator ?? '-'}) | ${result.simulatorStalls.count ?? '-'} (${result.simulatorStalls.longestMs ?? '-'}) | ${r.welcomeMs?.p99 ?? '-'} | ${result.failedAttempts ?? '-'} | ${holds ? 'yes' : `no (bound: all online within ${withinS} s, no false positive but on agents whose simulator process stood still)`} |`);
  log(`by second from the ${values.mode} (connected, coordinator CPU s, loop lag max s, refused by reason):`);
  for (const p of timeline) log(`  ${p.s}s ${p.connected} cpu=${p.cpuS} lag=${p.lagMaxS} ${Object.entries(p.refused ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (graceTimeline.length > 0) {
    log(`disconnect grace of the connected hosts (before the ${values.mode}: ${JSON.stringify(before.grace)}), by second from the ${values.mode}:`);
    for (const p of graceTimeline) log(`  ${p.s}s agent=${p.agent} configured=${p.configured} minimum=${p.minimum} (connected ${p.connected})`);
  }
  // Logged at info (--coordinator-args="--log-level info"); its output has long been read by now.
  const stopLine = stoppedChild.stderr.text().split('\n').findLast((l) => l.includes('"coordinator stopped"'));
  if (stopLine) {
    const { ms, stages } = JSON.parse(stopLine);
    log(`the stop took ${ms} ms: ${JSON.stringify(stages)}`);
  }
  if (result.falsePositiveHosts.length > 0) {
    // From a minute before the stop: the host's last transitions before it too.
    log(`hosts judged silent while alive (first ${result.falsePositiveHosts.length}), their transitions since ${new Date(t0Wall - 60_000).toISOString()} (the ${values.mode} at ${new Date(t0Wall).toISOString()}):`);
    for (const line of await explainFalsePositives(coordinator.baseUrl, result.falsePositiveHosts, t0Wall - 60_000)) log(line);
    keepDir = true;
  }
  if (values.out) (await import('node:fs')).writeFileSync(values.out, JSON.stringify({ ...result, holds }, null, 2));
  process.exitCode = holds ? 0 : 1;
} finally {
  if (fleet && fleet.exitCode === null) fleet.kill('SIGKILL');
  await coordinator?.stop(10_000).catch(() => undefined);
  await nats?.stop(2000).catch(() => undefined);
  // What the restarted coordinator logged (warnings and above by default): a kept run is for finding out why.
  if (keepDir && coordinator) writeFileSync(join(dir, 'coordinator.log'), coordinator.output());
  if (keepDir) log(`restart: kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
