#!/usr/bin/env node
// How fast a process-managed service serves again after `kill -9`: the agent's own
// ServiceWatcher and ProcessManager (built code, real child processes, real HTTP on
// 127.0.0.1), the HTTP fixture as the service. Each round kills the serving process and
// polls the port every 2 ms until a new pid answers 200. The fixture's own cold start
// (spawn → first 200) is measured the same way, so the figure the runbook goal is judged
// on is kill→serving minus that start time (goal: under 500 ms).
//
// By default the watcher runs with a 200 ms watch after the restart, a 100 ms stability
// check and a budget raised to the number of rounds, so that many rounds fit in a minute.
// --defaults runs with the shipped settings instead (30 s watch, 1 s stability check,
// budget 3 in 15 min): 3 rounds, each about 31 s.
//
//   pnpm exec tsc -b && node bench/recovery/kill-restart.mjs [--rounds 20] [--defaults]
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from '@vigil/testkit';
import { parseServices } from '../../packages/agent/dist/services/schema.js';
import { ProcessManager } from '../../packages/agent/dist/services/process.js';
import { ServiceWatcher } from '../../packages/agent/dist/recovery/watcher.js';

const args = process.argv.slice(2);
const DEFAULTS = args.includes('--defaults');
// The shipped budget allows 3 recoveries in 15 min: a 4th kill would not be acted on.
const DEFAULT_BUDGET = 3;
const roundsArg = args.includes('--rounds') ? args[args.indexOf('--rounds') + 1] : undefined;
const ROUNDS = roundsArg === undefined ? (DEFAULTS ? DEFAULT_BUDGET : 20) : Number(roundsArg);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error(`kill-restart: --rounds: "${roundsArg}" is not a positive integer`);
  process.exit(2);
}
if (DEFAULTS && ROUNDS > DEFAULT_BUDGET) {
  console.error(`kill-restart: --rounds ${ROUNDS} with --defaults: the shipped budget allows ${DEFAULT_BUDGET} recoveries in 15 min`);
  process.exit(2);
}
const FIXTURE = fileURLToPath(new URL('../../packages/agent/test-fixtures/http-server.mjs', import.meta.url));

const get = (port) =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 100 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? JSON.parse(body).pid : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });

async function servedBy(port, notPid, timeoutMs = 10_000) {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const pid = await get(port);
    if (pid !== undefined && pid !== notPid) return pid;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`nothing new served on port ${port} within ${timeoutMs} ms`);
}

const spec = (name, port, extra = {}) =>
  parseServices([{ name, manager: 'process', command: [process.execPath, FIXTURE], env: { PORT: String(port) }, ...extra }], { defaultIntervalMs: 5_000 })[0];

async function coldStart(port) {
  const m = new ProcessManager(spec('cold', port));
  const t0 = performance.now();
  await m.start();
  await servedBy(port, undefined);
  const ms = performance.now() - t0;
  await m.close();
  return ms;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p90: q(0.9), max: s.at(-1), min: s[0] };
};

// The manager's timers and children are unref'd (they must not hold the agent open);
// this bench has nothing else to keep it alive while it waits on them.
const keepAlive = setInterval(() => {}, 1_000);
const port = await freePort();
const colds = [];
for (let i = 0; i < 5; i++) colds.push(await coldStart(port));

// Status polls 5 s apart, as in production: the restart must come from the exit notice.
const svc = spec('web', port, {
  checks: [{ type: 'http', url: `http://127.0.0.1:${port}/`, timeout: '1s', interval: '5s' }],
  // Shortened so that rounds follow each other quickly; --defaults keeps the shipped ones.
  ...(DEFAULTS ? {} : { recovery: { watchAfterRestart: '200ms', stableAfterStart: '100ms', budget: { max: ROUNDS + 5, window: '15m' } } }),
});
const WATCH_MS = svc.recovery.watchAfterRestart;
const manager = new ProcessManager(svc);
const watcher = new ServiceWatcher({ service: svc, manager, intervalMs: 5_000, pollMs: 20 });
let succeeded = 0;
/** The watcher's own time to serving of each recovery (what its log line says). */
const reported = [];
const trace = [];
watcher.onEvent((e) => {
  if (process.env.TRACE) trace.push([performance.now(), e.type, e.step ?? '', e.detail ?? '']);
  if (e.type === 'recovery_succeeded') {
    succeeded++;
    reported.push(e.timeToServingMs);
  }
});
await watcher.start();
let pid = await servedBy(port, undefined);

const rounds = [];
try {
  for (let i = 0; i < ROUNDS; i++) {
    const before = succeeded;
    const t0 = performance.now();
    process.kill(pid, 'SIGKILL');
    pid = await servedBy(port, pid);
    rounds.push(performance.now() - t0);
    if (process.env.TRACE && rounds.at(-1) > 1000) console.log(rounds.at(-1).toFixed(0), trace.filter((t) => t[0] >= t0 - 50).map((t) => `${(t[0] - t0).toFixed(0)} ${t[1]} ${t[2]} ${t[3]}`));
    // Next round once this recovery has finished its watch, so each kill starts from calm.
    const until = performance.now() + WATCH_MS + 10_000;
    while (succeeded === before && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  }
} finally {
  await watcher.stop();
  await manager.close();
  clearInterval(keepAlive);
}

const c = stats(colds);
const k = stats(rounds);
const over = stats(rounds.map((r) => r - c.median));
const f = (x) => x.toFixed(0).padStart(6);
const r = svc.recovery;
console.log(`kill -9 → serving again, ${ROUNDS} rounds, fixture cold start measured ${colds.length}×; watch ${r.watchAfterRestart} ms, stability check ${r.stableAfterStart} ms, budget ${r.budget.max} in ${r.budget.window / 60_000} min${DEFAULTS ? ' (shipped defaults)' : ''}`);
console.log('| figure                          | median |    p90 |    max |');
console.log('| ------------------------------- | ------ | ------ | ------ |');
console.log(`| cold start of the fixture (ms)  | ${f(c.median)} | ${f(c.p90)} | ${f(c.max)} |`);
console.log(`| kill -9 → serving (ms)          | ${f(k.median)} | ${f(k.p90)} | ${f(k.max)} |`);
console.log(`| minus cold start (ms, goal 500) | ${f(over.median)} | ${f(over.p90)} | ${f(over.max)} |`);
const w = reported.length ? stats(reported) : undefined;
if (w) console.log(`| watcher's time to serving (ms)  | ${f(w.median)} | ${f(w.p90)} | ${f(w.max)} |`);
console.log(`ratio to the goal (max minus cold start / 500 ms): ${(over.max / 500).toFixed(2)}x; recoveries reported: ${succeeded}`);
