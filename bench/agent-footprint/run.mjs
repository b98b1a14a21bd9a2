#!/usr/bin/env node
// The agent's own footprint while it watches 5 process services, next to Debian's
// prometheus-node-exporter and monit doing their usual jobs on the same machine, in the
// same run. See README.md beside this file.
//
//   node bench/agent-footprint/run.mjs [--duration 5m] [--interval 5s] [--services 5]
//                                      [--warmup 10s] [--profile] [--json FILE]
//                                      [--agent-node-options "--max-semi-space-size=1"]
//
// Needs the workspace built (pnpm run build) and `apt-get install -y
// prometheus-node-exporter monit`. Everything listens on 127.0.0.1; everything started is
// stopped by PID at the end (or on Ctrl-C) and the temp dir is removed.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Coordinator, freePort, liveChildren, spawnChild, waitFor as kitWaitFor } from '@vigil/testkit';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AGENT_BIN = join(ROOT, 'packages/agent/bin/vigil-agent');
const AGENT_BUNDLE = join(ROOT, 'packages/agent/dist/vigil-agent.cjs');
// Where the launcher keeps the agent's code cache; experiments (--agent-bin, --agent-node-options) use it too.
const CODE_CACHE_DIR = join(ROOT, 'packages/agent/dist/code-cache');
const codeCaches = (d) => (d !== '' && existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.codecache')) : []);
const HTTP_FIXTURE = join(ROOT, 'packages/agent/test-fixtures/http-server.mjs');
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const MONIT = '/usr/bin/monit';
const MEM_PROBE = fileURLToPath(new URL('./mem-probe.mjs', import.meta.url));
/** Goals: agent RSS under 60 MB, and no more CPU than node_exporter. */
const GOAL_RSS_MB = 60;

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '5m' },
    interval: { type: 'string', default: '5s' },
    'liveness-interval': { type: 'string', default: '1s' },
    services: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '10s' },
    profile: { type: 'boolean', default: false },
    'agent-node-options': { type: 'string', default: '' },
    'agent-bin': { type: 'string', default: AGENT_BIN },
    'agent-env': { type: 'string', multiple: true, default: [] },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log('usage: node bench/agent-footprint/run.mjs [--duration 5m] [--interval 5s] [--liveness-interval 1s] [--services 5] [--warmup 10s] [--profile] [--json FILE] [--agent-node-options FLAGS] [--agent-bin SCRIPT] [--agent-env K=V]...');
  process.exit(0);
}

function durationMs(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text} (use 500ms, 30s, 5m)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]];
}
const DURATION_MS = durationMs(opts.duration);
const WARMUP_MS = durationMs(opts.warmup);
const INTERVAL = opts.interval;
const INTERVAL_MS = durationMs(INTERVAL);
const SERVICES = Number(opts.services);
const CLK_TCK = 100; // getconf CLK_TCK on Linux x86_64/arm64
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (text) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

// ---------------------------------------------------------------- processes, by PID only

const dir = mkdtempSync(join(tmpdir(), 'vigil-footprint-'));

const start = (name, command, args, env) => spawnChild({ name, command, args, env });

/** The last output of a child (stdout, then stderr), for error messages. */
const tail = (c) => `${c.stdout.text()}${c.stderr.text()}`.slice(-8000);

/** The kit's waitFor with this bench's defaults (20 s, every 100 ms). */
const waitFor = (what, fn, timeoutMs = 20_000, everyMs = 100) => kitWaitFor(fn, { what, timeoutMs, intervalMs: everyMs });

async function getText(url, timeoutMs = 3000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}`);
  return res.text();
}

// ---------------------------------------------------------------- /proc sampling

/** utime + stime in clock ticks, and VmRSS (with its anonymous and file-backed parts) in bytes. Read apart from parse. */
function readProc(pid) {
  return { stat: readFileSync(`/proc/${pid}/stat`, 'utf8'), status: readFileSync(`/proc/${pid}/status`, 'utf8') };
}

export function parseProc({ stat, status }) {
  // Fields after the command name (which may hold spaces or parentheses).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const kB = (field) => {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { ticks, rssBytes: kB('VmRSS'), anonBytes: kB('RssAnon'), fileBytes: kB('RssFile') };
}

class Series {
  constructor(name, pid) {
    this.name = name;
    this.pid = pid;
    this.rss = [];
    this.anon = [];
    this.file = [];
    this.cpu = [];
    this.prev = undefined;
    this.first = undefined;
    this.lastTicks = undefined;
    this.lastAt = undefined;
  }

  sample(at, record) {
    let p;
    try {
      p = parseProc(readProc(this.pid));
    } catch {
      return; // exited: the run reports it
    }
    if (record) {
      this.first ??= { ticks: this.prev?.ticks ?? p.ticks, at: this.prev?.at ?? at };
      this.rss.push(p.rssBytes);
      // Where the RSS is: the process's own memory, or pages of files it maps (node's binary
      // mostly, shared with every Node process on the host). Runs differ in both.
      this.anon.push(p.anonBytes);
      this.file.push(p.fileBytes);
      if (this.prev) this.cpu.push(((p.ticks - this.prev.ticks) / CLK_TCK / ((at - this.prev.at) / 1000)) * 100);
      this.lastTicks = p.ticks;
      this.lastAt = at;
    }
    this.prev = { ticks: p.ticks, at };
  }

  /** CPU over the whole measured window: total ticks over total time (finer than 1 s samples). */
  meanCpu() {
    if (!this.first || this.lastAt === undefined || this.lastAt === this.first.at) return 0;
    return ((this.lastTicks - this.first.ticks) / CLK_TCK / ((this.lastAt - this.first.at) / 1000)) * 100;
  }
}

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const max = (xs) => (xs.length ? Math.max(...xs) : NaN);

// ---------------------------------------------------------------- YAML (mappings, lists, scalars)

function toYaml(value, indent = 0) {
  const pad = ' '.repeat(indent);
  const scalar = (v) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  const isScalar = (v) => v === null || typeof v !== 'object';
  if (Array.isArray(value)) {
    return value.map((item) => (isScalar(item) ? `${pad}- ${scalar(item)}\n` : `${pad}- ${toYaml(item, indent + 2).slice(indent + 2)}`)).join('');
  }
  return Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (isScalar(v) ? `${pad}${k}: ${scalar(v)}\n` : `${pad}${k}:\n${toYaml(v, indent + 2)}`))
    .join('');
}

// ---------------------------------------------------------------- the run

let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  // The agent first: it stops the services it owns (their process groups).
  for (const name of ['vigil-agent', 'monit', 'node_exporter', 'vigil-coordinator']) {
    for (const c of liveChildren().filter((x) => x.name.startsWith(name))) await c.stop(5000);
  }
  for (const c of liveChildren()) await c.stop(5000);
  // Services the agent started that outlived it (it was killed, say): by their recorded PID.
  for (const pid of servicePids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('http-server.mjs')) process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
const servicePids = new Set();
process.on('SIGINT', () => {
  log('interrupted: stopping everything started');
  void shutdown(130);
});
process.on('SIGTERM', () => void shutdown(143));

async function main() {
  for (const bin of [NODE_EXPORTER, MONIT]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: apt-get install -y prometheus-node-exporter monit`);
  }
  if (!existsSync(join(ROOT, 'packages/agent/dist/main.js'))) throw new Error('the workspace is not built: run pnpm exec tsc -b');

  // Coordinator, without NATS: only the agent is measured.
  const coordDir = join(dir, 'coordinator');
  const coordinator = await Coordinator.start({ nats: 'none', dataDir: coordDir, logLevel: 'warn', startTimeoutMs: 20_000 });
  const ports = { grpc: coordinator.grpcPort, http: coordinator.httpPort };
  const api = `http://127.0.0.1:${ports.http}`;

  // The agent with N watched process services (the HTTP fixture), each with an http check.
  // Distinct ports: a port freed a moment ago may be handed out again by the next ask.
  const servicePorts = [];
  while (servicePorts.length < SERVICES) {
    const port = await freePort();
    if (!servicePorts.includes(port)) servicePorts.push(port);
  }
  const services = servicePorts.map((port, i) => ({
    name: `web-${i + 1}`,
    manager: 'process',
    command: [process.execPath, HTTP_FIXTURE],
    env: { PORT: String(port) },
    checks: [{ type: 'http', url: `http://127.0.0.1:${port}/` }],
  }));
  const agentConfig = join(dir, 'agent.yaml');
  writeFileSync(agentConfig, toYaml({ services }));
  // Profiles outlive the run (the temp dir does not): their directory is printed.
  const profDir = opts.profile ? mkdtempSync(join(tmpdir(), 'vigil-footprint-profile-')) : '';
  const memProbeFile = opts.profile ? join(profDir, 'memory.jsonl') : '';
  const nodeFlags = opts.profile
    ? ['--import', MEM_PROBE, '--cpu-prof', '--cpu-prof-dir', profDir, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${profDir}`]
    : [];
  const agentEnv = Object.fromEntries(opts['agent-env'].map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  // As shipped: the launcher with its own runtime flags (profiling flags added through
  // VIGIL_AGENT_NODE_FLAGS). For experiments, --agent-node-options replaces those flags and
  // --agent-bin runs another build of the agent, both through this Node.
  const experiment = opts['agent-node-options'] !== '' || opts['agent-bin'] !== AGENT_BIN;
  const extraFlags = opts['agent-node-options'].split(' ').filter(Boolean);
  const script = opts['agent-bin'] === AGENT_BIN ? AGENT_BUNDLE : opts['agent-bin'];
  if (!experiment && nodeFlags.length > 0) agentEnv.VIGIL_AGENT_NODE_FLAGS = nodeFlags.join(' ');
  if (experiment && agentEnv.VIGIL_AGENT_CACHE_DIR === undefined) agentEnv.VIGIL_AGENT_CACHE_DIR = CODE_CACHE_DIR;
  // A start with a cache (made for this build, Node and flags) deserialises the program; one
  // without parses it and writes the cache after three intervals (packages/agent/src/boot/).
  const cacheDir = agentEnv.VIGIL_AGENT_CACHE_DIR ?? CODE_CACHE_DIR;
  const cachesAtStart = codeCaches(cacheDir);
  const agent = start('vigil-agent', experiment ? process.execPath : AGENT_BIN, [
    ...(experiment ? [...extraFlags, ...nodeFlags, script] : []), '--coordinator', `127.0.0.1:${ports.grpc}`, '--host-id', 'footprint', '--interval', INTERVAL, '--liveness-interval', opts['liveness-interval'],
    '--data-dir', join(dir, 'agent'), '--log-level', 'warn', '--config', agentConfig,
  ], { ...process.env, ...agentEnv, ...(opts.profile ? { VIGIL_MEM_PROBE_FILE: memProbeFile } : {}) });
  const statuses = await waitFor(`${SERVICES} services running`, async () => {
    if (!agent.running) throw new Error(`vigil-agent exited: ${tail(agent)}`);
    const host = JSON.parse(await getText(`${api}/v1/hosts/footprint`)).host;
    const s = host.serviceStatus ?? [];
    return s.length === SERVICES && s.every((x) => x.state === 'running' && x.pids.length > 0 && x.checks.every((c) => c.status === 'passing')) ? s : undefined;
  }, 60_000, 250);
  for (const s of statuses) for (const p of s.pids) servicePids.add(p);
  log(`vigil-agent pid ${agent.pid}, ${SERVICES} services running (pids ${statuses.map((s) => s.pids[0]).join(' ')}), interval ${INTERVAL}`);
  log(cacheDir === '' ? 'code cache: off (VIGIL_AGENT_CACHE_DIR set and empty)' : `code cache at the agent's start: ${cachesAtStart.length > 0 ? cachesAtStart.join(', ') : 'none'} (${cacheDir})`);

  // node_exporter on a free loopback port, default collectors, scraped every interval by us.
  const nePort = await freePort();
  const nodeExporter = start('node_exporter', NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${nePort}`]);
  await waitFor('node_exporter to answer', async () => {
    if (!nodeExporter.running) throw new Error(`node_exporter exited: ${tail(nodeExporter)}`);
    return (await getText(`http://127.0.0.1:${nePort}/metrics`)).includes('node_cpu_seconds_total');
  });
  log(`node_exporter pid ${nodeExporter.pid} on 127.0.0.1:${nePort}`);

  // monit in the foreground, checking the same services by pidfile every interval.
  const monitDir = join(dir, 'monit');
  mkdirSync(monitDir);
  const pidfiles = statuses.map((s) => {
    const f = join(monitDir, `${s.name}.pid`);
    writeFileSync(f, `${s.pids[0]}\n`);
    return { name: s.name, file: f };
  });
  const monitrc = join(monitDir, 'monitrc');
  writeFileSync(
    monitrc,
    [
      `set daemon ${Math.max(1, Math.round(INTERVAL_MS / 1000))}`,
      `set logfile ${join(monitDir, 'monit.log')}`,
      `set pidfile ${join(monitDir, 'monit.pid')}`,
      `set idfile ${join(monitDir, 'monit.id')}`,
      `set statefile ${join(monitDir, 'monit.state')}`,
      ...pidfiles.map((p) => `check process ${p.name} with pidfile ${p.file}`),
      '',
    ].join('\n'),
  );
  chmodSync(monitrc, 0o600); // monit refuses a control file others can read
  const monit = start('monit', MONIT, ['-c', monitrc, '-I']);
  await waitFor('monit to check its processes', () => {
    if (!monit.running) throw new Error(`monit exited: ${tail(monit)}`);
    return existsSync(join(monitDir, 'monit.log')) && /started|Starting Monit|Monit daemon/i.test(readFileSync(join(monitDir, 'monit.log'), 'utf8'));
  });
  log(`monit pid ${monit.pid}, ${SERVICES} check process entries, set daemon ${Math.max(1, Math.round(INTERVAL_MS / 1000))}`);

  const series = [new Series('vigil-agent', agent.pid), new Series('node_exporter', nodeExporter.pid), new Series('monit', monit.pid)];
  let scrapes = 0;
  let scrapeErrors = 0;
  const scraper = setInterval(() => {
    getText(`http://127.0.0.1:${nePort}/metrics`).then(
      () => scrapes++,
      () => scrapeErrors++,
    );
  }, INTERVAL_MS);

  const t0 = Date.now();
  const end = t0 + WARMUP_MS + DURATION_MS;
  log(`sampling every 1 s for ${opts.duration} after a ${opts.warmup} warm-up`);
  let nextReport = t0 + WARMUP_MS + 60_000;
  for (let tick = 1; Date.now() < end; tick++) {
    const at = Date.now();
    const record = at - t0 >= WARMUP_MS;
    for (const s of series) s.sample(at, record);
    for (const c of [agent, nodeExporter, monit]) if (!c.running) throw new Error(`${c.name} exited during the run: ${tail(c)}`);
    if (at >= nextReport) {
      nextReport += 60_000;
      log(series.map((s) => `${s.name} ${(s.rss.at(-1) / 1e6).toFixed(1)} MB ${s.meanCpu().toFixed(2)} %`).join(' | '));
    }
    await sleep(Math.max(0, t0 + tick * 1000 - Date.now()));
  }
  clearInterval(scraper);

  // The services were never restarted by the agent during the run (they would skew it).
  const hostAfter = JSON.parse(await getText(`${api}/v1/hosts/footprint`)).host;
  const recoveries = (hostAfter.events ?? []).filter((e) => e.type === 'recovery_started').length;

  let profile;
  if (opts.profile) {
    try {
      process.kill(agent.pid, 'SIGUSR2'); // heap snapshot into profDir
    } catch {
      // reported below
    }
    // Written progressively: done once its size stops changing.
    let lastSize = -1;
    await waitFor('the heap snapshot', () => {
      const f = readdirSync(profDir).find((x) => x.endsWith('.heapsnapshot'));
      if (!f) return false;
      const size = statSync(join(profDir, f)).size;
      const stable = size > 0 && size === lastSize;
      lastSize = size;
      return stable;
    }, 60_000, 1000).catch(() => undefined);
  }
  const rows = series.map((s) => ({
    name: s.name,
    pid: s.pid,
    samples: s.rss.length,
    rssMedianMB: median(s.rss) / 1e6,
    rssMaxMB: max(s.rss) / 1e6,
    anonMedianMB: median(s.anon) / 1e6,
    fileMedianMB: median(s.file) / 1e6,
    cpuMedianPct: median(s.cpu),
    cpuMaxPct: max(s.cpu),
    cpuMeanPct: s.meanCpu(),
  }));
  await agent.stop(5000); // writes the .cpuprofile when profiling
  if (opts.profile) profile = { ...summariseProfile(profDir), memory: lastMemory(memProbeFile) };

  printTable(rows, { scrapes, scrapeErrors, recoveries });
  if (profile) printProfile(profile);
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ durationMs: DURATION_MS, intervalMs: INTERVAL_MS, services: SERVICES, rows, scrapes, recoveries, profile }, null, 2)}\n`);
  await shutdown(0);
}

function printTable(rows, { scrapes, scrapeErrors, recoveries }) {
  const ne = rows.find((r) => r.name === 'node_exporter');
  const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : a > 0 ? 'inf' : '-');
  const head = ['process', 'RSS median MB', 'RSS max MB', 'CPU median %', 'CPU max %', 'CPU mean %', 'RSS / node_exporter', 'CPU mean / node_exporter'];
  const body = rows.map((r) => [r.name, fmt(r.rssMedianMB), fmt(r.rssMaxMB), fmt(r.cpuMedianPct), fmt(r.cpuMaxPct), fmt(r.cpuMeanPct, 2), ratio(r.rssMedianMB, ne.rssMedianMB), ratio(r.cpuMeanPct, ne.cpuMeanPct)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  console.log('');
  console.log(`agent footprint: ${SERVICES} process services, interval ${INTERVAL}, liveness ${opts['liveness-interval']}, ${opts.duration} measured (1 s samples of /proc/<pid>/stat and status; CPU in % of one core)${opts['agent-node-options'] ? `; agent run with ${opts['agent-node-options']}` : ''}`);
  console.log(`processes on this machine at the end: ${readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length}`);
  console.log(`| ${head.map((h, i) => h.padEnd(widths[i])).join(' | ')} |`);
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const b of body) console.log(`| ${b.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);
  const a = rows.find((r) => r.name === 'vigil-agent');
  const rssOk = a.rssMaxMB < GOAL_RSS_MB;
  const cpuOk = a.cpuMeanPct <= ne.cpuMeanPct;
  console.log('');
  console.log(`goal: agent RSS under ${GOAL_RSS_MB} MB: ${rssOk ? 'met' : 'MISSED'} (median ${fmt(a.rssMedianMB)} MB, max ${fmt(a.rssMaxMB)} MB; median anonymous ${fmt(a.anonMedianMB)} MB + file-backed ${fmt(a.fileMedianMB)} MB)`);
  console.log(`goal: agent CPU no more than node_exporter: ${cpuOk ? 'met' : 'MISSED'} (mean ${fmt(a.cpuMeanPct, 2)} % vs ${fmt(ne.cpuMeanPct, 2)} %)`);
  console.log(`node_exporter scrapes: ${scrapes} ok, ${scrapeErrors} failed; agent recoveries during the run: ${recoveries}`);
}

// ---------------------------------------------------------------- profile summary

/** Self time per function and per file (package) from the agent's .cpuprofile. */
function summariseProfile(profDir) {
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return undefined;
  const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fnTime = new Map();
  const fileTime = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const where = cf.url ? cf.url.replace(/^file:\/\//, '').replace(ROOT, '').replace(/.*node_modules\/\.pnpm\/([^/]+)\/node_modules\//, 'node_modules/') : `(${cf.functionName || 'native'})`;
    const fn = `${cf.functionName || '(anonymous)'} ${where}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    fnTime.set(fn, (fnTime.get(fn) ?? 0) + us);
    const group = where.startsWith('node_modules/') ? where.split('/').slice(0, where.split('/')[1].startsWith('@') ? 3 : 2).join('/') : where.startsWith('packages/') ? where.split('/').slice(0, 4).join('/') : where.startsWith('node:') ? where : where;
    fileTime.set(group, (fileTime.get(group) ?? 0) + us);
  }
  const top = (m, n) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => ({ what: k, ms: us / 1000, share: us / total }));
  const wallUs = prof.endTime - prof.startTime;
  return { file: join(profDir, file), wallMs: wallUs / 1000, sampledMs: total / 1000, topFunctions: top(fnTime, 25), topFiles: top(fileTime, 20) };
}

/** The mem-probe's last line, in MB. */
function lastMemory(file) {
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const m = JSON.parse(lines.at(-1));
  const mb = (b) => Math.round((b / 1e6) * 10) / 10;
  return {
    samples: lines.length,
    rss: mb(m.rss), rssAnon: mb(m.rssAnon), rssFile: mb(m.rssFile), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed),
    external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), malloced: mb(m.mallocedMemory), code: mb(m.codeAndMetadata), bytecode: mb(m.bytecodeAndMetadata),
    spaces: Object.fromEntries(Object.entries(m.spaces).map(([k, v]) => [k, { size: mb(v.size), used: mb(v.used) }])),
  };
}

function printProfile(p) {
  console.log('');
  if (p.memory) {
    const m = p.memory;
    console.log(`agent memory at the end (MB): RSS ${m.rss} = anonymous ${m.rssAnon} + file-backed ${m.rssFile}; V8 heap ${m.heapTotal} reserved / ${m.heapUsed} used (code ${m.code}, bytecode ${m.bytecode}); external ${m.external} (array buffers ${m.arrayBuffers}); V8 malloced ${m.malloced}`);
    console.log(`  heap spaces (size/used): ${Object.entries(m.spaces).map(([k, v]) => `${k} ${v.size}/${v.used}`).join(', ')}`);
  }
  console.log(`agent CPU profile (${p.file}): ${(p.wallMs / 1000).toFixed(0)} s wall, samples sum ${(p.sampledMs / 1000).toFixed(1)} s (idle included)`);
  console.log('top by self time, per file or package:');
  for (const r of p.topFiles) console.log(`  ${r.ms.toFixed(0).padStart(8)} ms ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.what}`);
  console.log('top by self time, per function:');
  for (const r of p.topFunctions) console.log(`  ${r.ms.toFixed(0).padStart(8)} ms ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.what}`);
}

main().catch(async (err) => {
  console.error(`footprint bench failed: ${err.message}`);
  for (const c of liveChildren()) if (tail(c).trim()) console.error(`--- ${c.name} (pid ${c.pid}):\n${tail(c).trim().split('\n').slice(-10).join('\n')}`);
  await shutdown(1);
});
