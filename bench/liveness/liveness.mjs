#!/usr/bin/env node
// What it costs the coordinator to learn "this agent is alive" every second, per way of
// learning it: a Liveness message on the Connect stream, an HTTP/2 PING from the server
// (grpc-js keepalive or a ticker of our own), or nothing (the cost of holding the
// connections). Each mode gets a fresh server process and fresh client processes; the
// server's CPU is read from /proc over a window after a warm-up. See README.md.
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseOptions } from './options.mjs';
import { compare, figures, formatTable } from './report.mjs';
import { clockTicks, readLoadavg, readOpenFilesLimit, readStat, readStatus } from '../fleet/proc.mjs';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const children = new Set();

function spawn(script, args) {
  const child = fork(here(script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** The next IPC message of a type, or an error if the child exits first or takes too long. */
function nextMessage(child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`pid ${child.pid}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m) => m?.type === type && finish(null, m);
    const onExit = (code, signal) => finish(new Error(`pid ${child.pid} exited (${signal ?? code}) before '${type}'`));
    function finish(err, m) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      err ? reject(err) : resolve(m);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function ask(child) {
  const reply = nextMessage(child, 'stats', 10_000);
  child.send({ type: 'stats' });
  return reply;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ticksOf = (pid) => {
  const s = readStat(pid);
  return s.utime + s.stime;
};

/** Stops children by PID: SIGTERM, then SIGKILL for any still there after 5 s. */
async function stopAll() {
  const list = [...children];
  for (const c of list) c.kill('SIGTERM');
  const deadline = Date.now() + 5000;
  while (children.size > 0 && Date.now() < deadline) await sleep(50);
  for (const c of children) c.kill('SIGKILL');
  while (children.size > 0) await sleep(20);
}

function sum(objs, key) {
  return objs.reduce((a, o) => a + o[key], 0);
}

async function measure(agents, mode, o) {
  const server = spawn('server.mjs', [mode]);
  const { port } = await nextMessage(server, 'listening', 30_000);
  const nClients = Math.ceil(agents / o.perClient);
  const clients = [];
  for (let c = 0; c < nClients; c++) {
    const count = Math.min(o.perClient, agents - c * o.perClient);
    clients.push(spawn('client.mjs', [String(port), String(count), mode, `${mode}-c${c}`]));
  }
  const t0 = performance.now();
  const ready = await Promise.all(clients.map((c) => nextMessage(c, 'ready', 300_000)));
  const connected = sum(ready, 'connected');
  const connectS = (performance.now() - t0) / 1000;
  console.error(`  ${mode}: ${connected}/${agents} connected in ${connectS.toFixed(1)} s (${sum(ready, 'retries')} retries, ${sum(ready, 'failed')} failed); warm-up ${o.warmupS} s`);
  // A few missing connections shift the figures by their share; the table shows the count.
  if (connected < agents * 0.98) throw new Error(`${mode}: only ${connected} of ${agents} connections came up`);
  for (const c of clients) c.send({ type: 'start' });
  await sleep(o.warmupS * 1000);

  const snap = async () => {
    const [s, ...cs] = await Promise.all([ask(server), ...clients.map(ask)]);
    return { t: performance.now(), serverTicks: ticksOf(server.pid), clientTicks: clients.reduce((a, c) => a + ticksOf(c.pid), 0), server: s, clients: cs };
  };
  const a = await snap();
  await sleep(o.windowS * 1000);
  const b = await snap();
  const diff = (x, y) => Object.fromEntries(Object.keys(y).filter((k) => typeof y[k] === 'number' && k !== 'type').map((k) => [k, y[k] - x[k]]));
  const clientDiff = diff(
    Object.fromEntries(['sent', 'pingsReceived', 'lost', 'pingErrors'].map((k) => [k, sum(a.clients, k)])),
    Object.fromEntries(['sent', 'pingsReceived', 'lost', 'pingErrors'].map((k) => [k, sum(b.clients, k)])),
  );
  const raw = {
    mode,
    agents,
    connected,
    connectS,
    windowMs: b.t - a.t,
    serverTicks: b.serverTicks - a.serverTicks,
    clientTicks: b.clientTicks - a.clientTicks,
    server: diff(a.server, b.server),
    serverEnd: b.server,
    clients: clientDiff,
    serverRss: readStatus(server.pid).rss,
    clientRss: clients.reduce((acc, c) => acc + readStatus(c.pid).rss, 0),
    clientProcesses: nClients,
    load1: readLoadavg().load1,
  };
  await stopAll();
  return raw;
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  const limit = readOpenFilesLimit();
  const need = Math.max(...o.agents) + 100;
  if (limit !== null && limit < need) throw new Error(`open-file limit ${limit} is below the ${need} the server needs for ${Math.max(...o.agents)} connections (raise ulimit -n)`);
  const hz = clockTicks();
  const startedAt = new Date().toISOString();
  const results = [];
  for (const agents of o.agents) {
    console.error(`N = ${agents}, load1 ${readLoadavg().load1}`);
    const rows = [];
    const raws = [];
    for (const mode of o.modes) {
      const raw = await measure(agents, mode, o);
      raws.push(raw);
      rows.push(figures(raw, hz));
    }
    const compared = compare(rows);
    console.log(formatTable(agents, compared) + '\n');
    results.push({ agents, ...compared, raw: raws });
    // Written after every fleet size, so a later failure keeps what was measured.
    if (o.out) {
      writeFileSync(o.out, JSON.stringify({ startedAt, node: process.version, cpus: cpus().length, options: o, results }, null, 2) + '\n');
      console.error(`wrote ${o.out}`);
    }
  }
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stopAll().then(() => process.exit(130)));
main()
  .catch(async (err) => {
    console.error(`liveness bench failed: ${err.message}`);
    await stopAll();
    process.exitCode = 1;
  })
  .then(() => stopAll());
