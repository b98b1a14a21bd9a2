#!/usr/bin/env node
// Vigil demo: a nats-server, a coordinator and three agents on this machine. One agent is
// killed with SIGKILL and the coordinator reports it silent on NATS within about a second.
//
//   node scripts/demo.mjs          run until Ctrl-C
//   node scripts/demo.mjs --once   exit after showing the detection (smoke test)
//
// Needs the workspace built (pnpm exec tsc -b) and nats-server installed. Everything it
// starts listens on 127.0.0.1 only and is stopped by PID when it ends; its temp dirs are
// removed.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from 'nats';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const COORDINATOR_BIN = join(ROOT, 'packages/coordinator/bin/vigil-coordinator.js');
const AGENT_BIN = join(ROOT, 'packages/agent/bin/vigil-agent.js');
const HOSTS = ['web-1', 'web-2', 'db-1'];
const VICTIM = 'web-2';

const { values: opts } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    interval: { type: 'string', default: '1s' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log('usage: node scripts/demo.mjs [--once] [--interval 1s]');
  process.exit(0);
}

// ---------------------------------------------------------------- output

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : String(text));
const bold = paint('1');
const dim = paint('2');
const red = paint('31');
const green = paint('32');
const yellow = paint('33');
const stateColor = { online: green, suspect: yellow, silent: red, left: dim };
const colorState = (s) => (stateColor[s] ?? ((x) => x))(s ?? '-');

const t0 = performance.now();
const stamp = () => dim(`[${((performance.now() - t0) / 1000).toFixed(2).padStart(6)}s]`);
const say = (text) => console.log(`${stamp()} ${text}`);

function ago(iso) {
  if (!iso) return 'never';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  return s < 0.05 ? 'just now' : `${s.toFixed(1)}s ago`;
}

function printFleet(hosts) {
  const rows = [['HOST', 'STATE', 'LAST SEEN'], ...hosts.map((h) => [h.id, h.state, ago(h.lastSeen)])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('');
  rows.forEach((r, n) => {
    const cells = r.map((c, i) => c.padEnd(widths[i]));
    if (n === 0) console.log(`    ${bold(cells.join('   '))}`);
    else console.log(`    ${cells[0]}   ${(stateColor[r[1]] ?? ((x) => x))(cells[1])}   ${cells[2]}`);
  });
  console.log('');
}

// ---------------------------------------------------------------- processes

const children = new Set();
const tempDirs = [];
let natsUrl;

function tempDir(name) {
  const dir = mkdtempSync(join(tmpdir(), `vigil-demo-${name}-`));
  tempDirs.push(dir);
  return dir;
}

/** Starts a child and keeps the tail of its stderr for error messages. */
function start(name, command, args) {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const entry = { name, child, pid: child.pid, tail: '', exited: false, exit: undefined };
  entry.done = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      entry.exited = true;
      entry.exit = { code, signal };
      children.delete(entry);
      resolve(entry.exit);
    });
    child.once('error', (err) => {
      entry.tail += `\n${err.message}`;
      entry.exited = true;
      children.delete(entry);
      resolve({ code: null, signal: null });
    });
  });
  child.stderr.on('data', (chunk) => {
    entry.tail = (entry.tail + chunk.toString()).slice(-4000);
  });
  children.add(entry);
  return entry;
}

function signal(entry, sig) {
  if (entry.exited) return;
  try {
    process.kill(entry.pid, sig);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
  }
}

async function stopEntry(entry, graceMs = 3000) {
  if (entry.exited) return;
  signal(entry, 'SIGTERM');
  const timer = setTimeout(() => signal(entry, 'SIGKILL'), graceMs);
  await entry.done;
  clearTimeout(timer);
}

async function waitFor(what, fn, timeoutMs = 10_000, intervalMs = 50) {
  const deadline = performance.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function natsServerBinary() {
  const candidates = [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/local/bin/nats-server', ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'nats-server'))];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error('nats-server not found: apt-get install -y nats-server (or set NATS_SERVER_BIN)');
}

async function startNats() {
  const dir = tempDir('nats');
  const portsDir = join(dir, 'ports');
  mkdirSync(portsDir);
  const entry = start('nats-server', natsServerBinary(), ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', join(dir, 'store'), '--ports_file_dir', portsDir]);
  const url = await waitFor('nats-server to start', () => {
    if (entry.exited) throw new Error(`nats-server exited: ${entry.tail}`);
    const file = readdirSync(portsDir).find((f) => f.endsWith('.ports'));
    return file && JSON.parse(readFileSync(join(portsDir, file), 'utf8')).nats?.[0];
  });
  return { entry, url };
}

async function startCoordinator(url) {
  const dataDir = tempDir('coordinator');
  const entry = start('vigil-coordinator', process.execPath, [
    COORDINATOR_BIN, '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', '--nats', url, '--data-dir', dataDir, '--log-level', 'warn',
  ]);
  const portsFile = join(dataDir, 'ports.json');
  const ports = await waitFor('the coordinator to write ports.json', () => {
    if (entry.exited) throw new Error(`vigil-coordinator exited: ${entry.tail}`);
    if (!existsSync(portsFile)) return undefined;
    const p = JSON.parse(readFileSync(portsFile, 'utf8'));
    return p.grpc && p.http ? p : undefined;
  }, 15_000);
  return { entry, baseUrl: `http://127.0.0.1:${ports.http}`, grpcTarget: `127.0.0.1:${ports.grpc}` };
}

function startAgent(hostId, grpcTarget) {
  return start(`vigil-agent ${hostId}`, process.execPath, [
    AGENT_BIN, '--coordinator', grpcTarget, '--host-id', hostId, '--interval', opts.interval, '--data-dir', tempDir(`agent-${hostId}`), '--log-level', 'warn',
  ]);
}

async function fleet(baseUrl) {
  const res = await fetch(`${baseUrl}/v1/hosts`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`GET /v1/hosts → ${res.status}`);
  return (await res.json()).hosts;
}

// ---------------------------------------------------------------- shutdown

let shuttingDown = false;
let nc;

async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  const agents = [...children].filter((c) => c.name.startsWith('vigil-agent'));
  await Promise.all(agents.map((a) => stopEntry(a)));
  // Let the last events (hosts leaving) reach the screen before the subscriber closes.
  if (nc) {
    await new Promise((r) => setTimeout(r, 300));
    await nc.close().catch(() => undefined);
  }
  for (const name of ['vigil-coordinator', 'nats-server']) {
    for (const c of [...children].filter((x) => x.name === name)) await stopEntry(c);
  }
  for (const c of [...children]) await stopEntry(c);
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  say(`stopped everything it started; temp dirs removed`);
  process.exit(code);
}

process.on('SIGINT', () => {
  console.log('');
  say('Ctrl-C: stopping');
  void shutdown(0);
});
process.on('SIGTERM', () => void shutdown(0));

async function fail(err) {
  console.error(`\n${red('demo failed:')} ${err.message}`);
  for (const c of children) {
    if (c.tail.trim()) console.error(dim(`--- ${c.name} (pid ${c.pid}) stderr tail:\n${c.tail.trim().split('\n').slice(-8).join('\n')}`));
  }
  await shutdown(1);
}

// ---------------------------------------------------------------- the demo

async function main() {
  if (!existsSync(join(ROOT, 'packages/coordinator/dist/main.js')) || !existsSync(join(ROOT, 'packages/agent/dist/main.js'))) {
    throw new Error('the workspace is not built: run `pnpm exec tsc -b` first');
  }
  console.log(bold('Vigil demo') + dim(' — nats-server, a coordinator and three agents on 127.0.0.1'));
  console.log('');

  const nats = await startNats();
  natsUrl = nats.url;
  say(`nats-server       ${natsUrl} (JetStream, pid ${nats.entry.pid})`);

  // Subscribe before anything can publish, so every event shows up.
  nc = await connect({ servers: natsUrl, name: 'vigil-demo', maxReconnectAttempts: -1 });
  const events = [];
  const waiters = [];
  nc.subscribe('vigil.v1.>', {
    callback: (err, msg) => {
      if (err) return;
      const at = performance.now();
      let ce;
      try {
        ce = msg.json();
      } catch {
        ce = undefined;
      }
      const d = ce?.data ?? {};
      const change = `${d.hostId ?? '?'}: ${d.previousState ?? '(new)'} → ${colorState(d.state)}`;
      say(`${bold('event')} ${msg.subject.padEnd(34)} ${change}${d.reason ? dim(`  (${d.reason})`) : ''}`);
      const entry = { subject: msg.subject, at, ce };
      events.push(entry);
      for (const w of [...waiters]) if (w.match(entry)) w.resolve(entry);
    },
  });
  await nc.flush();

  const coordinator = await startCoordinator(natsUrl);
  say(`vigil-coordinator gRPC ${coordinator.grpcTarget}, HTTP ${coordinator.baseUrl} (pid ${coordinator.entry.pid})`);

  const agents = new Map();
  for (const host of HOSTS) {
    const a = startAgent(host, coordinator.grpcTarget);
    agents.set(host, a);
    say(`vigil-agent       ${host.padEnd(6)} every ${opts.interval} (pid ${a.pid})`);
  }

  await waitFor('all three hosts online', async () => {
    for (const a of agents.values()) if (a.exited) throw new Error(`${a.name} exited: ${a.tail}`);
    const hosts = await fleet(coordinator.baseUrl);
    return HOSTS.every((h) => hosts.some((x) => x.id === h && x.state === 'online'));
  }, 20_000);
  say(`fleet from GET ${coordinator.baseUrl}/v1/hosts:`);
  printFleet(await fleet(coordinator.baseUrl));

  await new Promise((r) => setTimeout(r, 3000));

  const victim = agents.get(VICTIM);
  const silentSubject = `vigil.v1.host.silent.${VICTIM}`;
  const silent = new Promise((resolve) => waiters.push({ match: (e) => e.subject === silentSubject, resolve }));
  say(`${bold(red(`kill -9 ${victim.pid}`))}  (the agent of ${VICTIM}: no Goodbye, the stream just ends)`);
  const killedAt = performance.now();
  signal(victim, 'SIGKILL');

  let timer;
  const detected = await Promise.race([
    silent,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${silentSubject} event within 10 s of the kill`)), 10_000);
    }),
  ]);
  clearTimeout(timer);
  const ms = detected.at - killedAt;
  console.log('');
  say(`${bold('detected')}: ${VICTIM} reported ${red('silent')} on NATS ${bold(`${(ms / 1000).toFixed(2)} s`)} after the kill`);
  console.log(
    JSON.stringify(detected.ce, null, 2)
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n'),
  );
  printFleet(await fleet(coordinator.baseUrl));

  if (opts.once) {
    await shutdown(0);
    return;
  }
  say(`running; events keep showing up here. Try: curl ${coordinator.baseUrl}/v1/hosts/${HOSTS[0]}`);
  say('press Ctrl-C to stop everything');
}

main().catch(fail);
