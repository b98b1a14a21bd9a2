#!/usr/bin/env node
// Vigil demo: a nats-server, a coordinator, three agents and vigil-notify on this machine.
// One agent is killed with SIGKILL and the coordinator reports it silent on NATS within
// about a second. Then a service watched by another agent (an HTTP server under its
// process manager) is killed with SIGKILL: the agent restarts it, each recovery step shows
// up here as the coordinator receives it, and the time until it serves again is printed.
// The incidents escalate, and vigil-notify pages a PagerDuty-style (Events API v2)
// receiver that the demo runs itself: each page is printed as it arrives.
//
//   node scripts/demo.mjs          run until Ctrl-C
//   node scripts/demo.mjs --once   exit after showing the detection (smoke test)
//
// Needs the workspace built (pnpm exec tsc -b) and nats-server installed. Everything it
// starts listens on 127.0.0.1 only and is stopped by PID when it ends; its temp dirs are
// removed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from 'nats';
import { Coordinator, NatsServer, freePort, liveChildren, removeTempDirs, spawnChild, tempDir as kitTempDir, waitFor as kitWaitFor } from '@vigil/testkit';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const AGENT_BIN = join(ROOT, 'packages/agent/bin/vigil-agent');
const NOTIFY_BIN = join(ROOT, 'packages/notify/bin/vigil-notify.js');
/** The receiver vigil-notify pages in the demo (its name in the notify config and the receipts). */
const PAGER = 'pager';
const HOSTS = ['web-1', 'web-2', 'db-1'];
const VICTIM = 'web-2';
/** The host whose agent watches a service, and the service (the HTTP fixture). */
const SERVICE_HOST = 'web-1';
const SERVICE = 'shop';
const SERVICE_FIXTURE = join(ROOT, 'packages/agent/test-fixtures/http-server.mjs');
/** The outage drill: a service on BROKEN_HOST whose config is broken, so no restart helps. */
const BROKEN_HOST = 'db-1';
const BROKEN_SERVICE = 'billing';
const BROKEN_FIXTURE = join(ROOT, 'packages/agent/test-fixtures/fail-parse.mjs');
/** Escalation times shortened for the demo (the runbook's are minutes); the logic is the same. */
const DEMO_ESCALATION = { service_failure: '4s', agent_failure: '6s', network_issue: '6s', server_hardware_issue: '6s' };

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

/** The port the coordinator's SSH step probes for a host, and which setting named it (agent, label, fleet). */
const sshOf = (h) => (h.ssh ? `${h.ssh.port ?? 'none'} (${h.ssh.from})` : '-');

function printFleet(hosts) {
  const rows = [['HOST', 'STATE', 'LAST SEEN', 'SSH'], ...hosts.map((h) => [h.id, h.state, ago(h.lastSeen), sshOf(h)])];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('');
  rows.forEach((r, n) => {
    const cells = r.map((c, i) => c.padEnd(widths[i]));
    if (n === 0) console.log(`    ${bold(cells.join('   ').trimEnd())}`);
    else console.log(`    ${cells[0]}   ${(stateColor[r[1]] ?? ((x) => x))(cells[1])}   ${cells[2]}   ${r[3]}`);
  });
  console.log('');
}

// ---------------------------------------------------------------- processes

let natsUrl;

/** Temp dirs of the demo, removed when it ends. */
const tempDir = (name) => kitTempDir(`demo-${name}`);

/** The demo's waits: the kit's waitFor with the demo's defaults (10 s, every 50 ms). */
const waitFor = (what, fn, timeoutMs = 10_000, intervalMs = 50) => kitWaitFor(fn, { what, timeoutMs, intervalMs });

/** The child's stderr tail, for error messages. */
const tail = (child) => child.stderr.text().slice(-4000);

async function startCoordinator(url) {
  const dataDir = tempDir('coordinator');
  const configFile = join(dataDir, 'coordinator.yaml');
  writeFileSync(configFile, `escalation: ${JSON.stringify(DEMO_ESCALATION)}\nsettleWindow: 5s\n`);
  return Coordinator.start({ nats: url, dataDir, logLevel: 'warn', extraArgs: ['--config', configFile] });
}

/**
 * What stands in for PagerDuty: an Events API v2 endpoint (POST /v2/enqueue) on loopback.
 * It answers as PagerDuty does (202 with the dedup_key; 400 for a body the API refuses)
 * and prints every event that arrives, so the demo shows what a pager would have received.
 */
function startPagerReceiver() {
  const pages = [];
  const waiters = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      let ev;
      try {
        ev = JSON.parse(body);
      } catch {
        ev = undefined;
      }
      const reply = (status, obj) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      if (req.method !== 'POST' || req.url !== '/v2/enqueue') return reply(404, { status: 'not found' });
      const action = ev?.event_action;
      if (!ev?.routing_key || !['trigger', 'acknowledge', 'resolve'].includes(action) || (action === 'trigger' ? !ev.payload?.summary : !ev.dedup_key)) {
        return reply(400, { status: 'invalid event', message: 'Event object is invalid' });
      }
      const page = { at: performance.now(), action, dedupKey: ev.dedup_key, severity: ev.payload?.severity, summary: ev.payload?.summary, ev };
      pages.push(page);
      const what = action === 'trigger' ? `${page.summary} (severity ${page.severity})` : action;
      say(`${bold(yellow('page received'))}: ${what}, dedup_key ${page.dedupKey}`);
      for (const w of [...waiters]) if (w.match(page)) w.resolve(page);
      reply(202, { status: 'success', message: 'Event processed', dedup_key: page.dedupKey });
    });
  });
  /** The first page (already received or still to come) that `match` accepts. */
  const waitPage = (match, what, timeoutMs) => {
    const seen = pages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${what} at the pager receiver within ${timeoutMs / 1000} s`)), timeoutMs);
      waiters.push({ match, resolve: (p) => (clearTimeout(t), resolve(p)) });
    });
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve({ server, pages, waitPage, url: `http://127.0.0.1:${server.address().port}/v2/enqueue` }));
  });
}

/**
 * vigil-notify with a config in its own temp dir: every page goes to the demo's Events-v2
 * receiver. `startAt: all` so it misses nothing published before its consumer existed; its
 * /healthz answers once the consumer is set up.
 */
async function startNotify(url, pagerUrl) {
  const dir = tempDir('notify');
  const listenPort = await freePort();
  const configFile = join(dir, 'notify.yaml');
  const q = JSON.stringify;
  writeFileSync(
    configFile,
    [
      `dataDir: ${q(join(dir, 'store'))}`,
      'logLevel: warn',
      `listen: ${q(`127.0.0.1:${listenPort}`)}`,
      'nats:',
      `  servers: [${q(url)}]`,
      '  startAt: all',
      'receivers:',
      `  - name: ${PAGER}`,
      '    type: pagerduty',
      `    url: ${q(pagerUrl)}`,
      '    routingKey: "demo0123456789abcdef0123456789ab"',
      '    retry: { initialBackoff: 200ms, maxBackoff: 2s }',
      'route:',
      `  receiver: ${PAGER}`,
      '',
    ].join('\n'),
  );
  const child = spawnChild({ name: 'vigil-notify', command: process.execPath, args: [NOTIFY_BIN, '--config', configFile] });
  await waitFor('vigil-notify to answer /healthz', async () => {
    if (!child.running) throw new Error(`vigil-notify exited: ${tail(child)}`);
    return (await fetch(`http://127.0.0.1:${listenPort}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  }, 15_000);
  return { child, configFile };
}

/** `sshPort`: where this host's SSH answers (the agent's --ssh-port, sent in Hello); unset: the coordinator's default. */
function startAgent(hostId, grpcTarget, configFile, sshPort) {
  return spawnChild({ name: `vigil-agent ${hostId}`, command: AGENT_BIN, args: [
    '--coordinator', grpcTarget, '--host-id', hostId, '--interval', opts.interval, '--data-dir', tempDir(`agent-${hostId}`), '--log-level', 'warn',
    ...(configFile ? ['--config', configFile] : []),
    ...(sshPort === undefined ? [] : ['--ssh-port', String(sshPort)]),
  ] });
}

/**
 * What stands in for the victim host's sshd: it answers with an SSH banner, so when the
 * victim's agent is killed the host still looks alive from outside (agent_failure).
 */
function startSshBanner() {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(server));
  });
}

/** The drill's broken service: every start fails on its config; recovery gives up after one round. */
function writeBrokenServiceConfig() {
  const q = JSON.stringify;
  const file = join(tempDir('agent-config-broken'), 'agent.yaml');
  writeFileSync(
    file,
    [
      'services:',
      `  - name: ${q(BROKEN_SERVICE)}`,
      '    manager: process',
      `    command: [${q(process.execPath)}, ${q(BROKEN_FIXTURE)}]`,
      '    recovery: { budget: { max: 1, window: 15m }, watchAfterRestart: 1s, stableAfterStart: 300ms, startTimeout: 3s }',
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * The agent config of SERVICE_HOST: one process service with an http check. Recovery
 * times are shortened for the demo (the runbook's watch is 30 s); strings are written
 * double-quoted, which YAML reads as JSON strings.
 */
function writeServiceConfig(port) {
  const q = JSON.stringify;
  const file = join(tempDir('agent-config'), 'agent.yaml');
  writeFileSync(
    file,
    [
      'services:',
      `  - name: ${q(SERVICE)}`,
      '    manager: process',
      `    command: [${q(process.execPath)}, ${q(SERVICE_FIXTURE)}]`,
      `    env: { PORT: ${q(String(port))} }`,
      '    checks:',
      `      - { type: http, url: ${q(`http://127.0.0.1:${port}/`)}, timeout: 1s }`,
      '    recovery: { watchAfterRestart: 2s, stableAfterStart: 200ms, monitorEvery: 1s, monitorFor: 3s }',
      '',
    ].join('\n'),
  );
  return file;
}

async function hostDetail(baseUrl, id) {
  const res = await fetch(`${baseUrl}/v1/hosts/${id}`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`GET /v1/hosts/${id} → ${res.status}`);
  return (await res.json()).host;
}

/** GET the service; its body names the pid that answered. */
async function probe(port) {
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
  return { status: res.status, pid: (await res.json()).pid };
}

/** PIDs of watched services seen while running: stopped at the end if their agent left them. */
const servicePids = new Set();

async function fleet(baseUrl) {
  const res = await fetch(`${baseUrl}/v1/hosts`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`GET /v1/hosts → ${res.status}`);
  return (await res.json()).hosts;
}

// ---------------------------------------------------------------- shutdown

let shuttingDown = false;
let nc;
let sshBanner;
let pager;

async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  const agents = liveChildren().filter((c) => c.name.startsWith('vigil-agent'));
  await Promise.all(agents.map((a) => a.stop(3000)));
  // Let the last events (hosts leaving) reach the screen before the subscriber closes.
  if (nc) {
    await new Promise((r) => setTimeout(r, 300));
    await nc.close().catch(() => undefined);
  }
  for (const name of ['vigil-notify', 'vigil-coordinator', 'nats-server']) {
    for (const c of liveChildren().filter((x) => x.name.startsWith(name))) await c.stop(3000);
  }
  for (const c of liveChildren()) await c.stop(3000);
  // The agent stops its services when it stops; one that outlived it is ended by its PID.
  for (const pid of servicePids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(SERVICE_FIXTURE)) process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  sshBanner?.close();
  pager?.server.closeAllConnections();
  pager?.server.close();
  removeTempDirs();
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
  for (const c of liveChildren()) {
    if (tail(c).trim()) console.error(dim(`--- ${c.name} (pid ${c.pid}) stderr tail:\n${tail(c).trim().split('\n').slice(-8).join('\n')}`));
  }
  await shutdown(1);
}

// ---------------------------------------------------------------- the demo

async function main() {
  if (!existsSync(join(ROOT, 'packages/coordinator/dist/main.js')) || !existsSync(join(ROOT, 'packages/agent/dist/main.js'))) {
    throw new Error('the workspace is not built: run `pnpm exec tsc -b` first');
  }
  console.log(bold('Vigil demo') + dim(' — nats-server, a coordinator, three agents and vigil-notify on 127.0.0.1'));
  console.log('');

  const nats = await NatsServer.start(tempDir('nats'));
  natsUrl = nats.url;
  say(`nats-server       ${natsUrl} (JetStream, pid ${nats.pid})`);

  // Subscribe before anything can publish, so every event shows up.
  nc = await connect({ servers: natsUrl, name: 'vigil-demo', maxReconnectAttempts: -1 });
  const events = [];
  const waiters = [];
  nc.subscribe('vigil.v1.>', {
    callback: (err, msg) => {
      // The coordinator's liveness beat (for vigil-notify's dead man's switch) is not news.
      if (err || msg.subject.startsWith('vigil.v1.coordinator.heartbeat.')) return;
      const at = performance.now();
      let ce;
      try {
        ce = msg.json();
      } catch {
        ce = undefined;
      }
      const d = ce?.data ?? {};
      // Host state changes, incidents (opened, escalated, actions) with their level, and
      // vigil-notify's receipts (what reached a receiver).
      const change = msg.subject.startsWith('vigil.v1.notify.')
        ? `${d.action} of ${d.incidentId} ${msg.subject.split('.')[3]} to ${d.receiver}${d.attempts ? ` (${d.attempts} attempt${d.attempts === 1 ? '' : 's'})` : ''}`
        : d.incidentId
        ? `${d.hostId}${d.service ? `/${d.service}` : ''}: ${d.class} level ${d.level}, ${d.state}`
        : `${d.hostId ?? '?'}: ${d.previousState ?? '(new)'} → ${colorState(d.state)}`;
      say(`${bold('event')} ${msg.subject.padEnd(34)} ${change}${d.reason ? dim(`  (${d.reason})`) : ''}`);
      const entry = { subject: msg.subject, at, ce };
      events.push(entry);
      for (const w of [...waiters]) if (w.match(entry)) w.resolve(entry);
    },
  });
  await nc.flush();

  const coordinator = await startCoordinator(natsUrl);
  say(`vigil-coordinator gRPC ${coordinator.grpcTarget}, HTTP ${coordinator.baseUrl} (pid ${coordinator.pid})`);

  pager = await startPagerReceiver();
  const notify = await startNotify(natsUrl, pager.url);
  say(`vigil-notify      durable consumer on VIGIL, every page to "${PAGER}": a PagerDuty-style receiver at ${pager.url} (pid ${notify.child.pid})`);

  const servicePort = await freePort();
  sshBanner = await startSshBanner();
  const sshPort = sshBanner.address().port;
  const agents = new Map();
  for (const host of HOSTS) {
    const config = host === SERVICE_HOST ? writeServiceConfig(servicePort) : host === BROKEN_HOST ? writeBrokenServiceConfig() : undefined;
    // The victim's SSH is not on 22: its agent says where, as an operator would set it.
    const a = startAgent(host, coordinator.grpcTarget, config, host === VICTIM ? sshPort : undefined);
    agents.set(host, a);
    const watches =
      host === SERVICE_HOST ? `, watching service ${SERVICE} on 127.0.0.1:${servicePort}`
      : host === BROKEN_HOST ? `, watching service ${BROKEN_SERVICE} (its config is broken)`
      : host === VICTIM ? `, its SSH answering on 127.0.0.1:${sshPort} (--ssh-port ${sshPort})` : '';
    say(`vigil-agent       ${host.padEnd(6)} every ${opts.interval}${watches} (pid ${a.pid})`);
  }

  await waitFor('all three hosts online', async () => {
    for (const a of agents.values()) if (!a.running) throw new Error(`${a.name} exited: ${tail(a)}`);
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
  victim.signal('SIGKILL');

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

  await serviceRecovery(coordinator.baseUrl, servicePort);
  await outageDrill(coordinator.baseUrl, events, waiters);
  await pagesDrill(coordinator.baseUrl, events);

  if (opts.once) {
    await shutdown(0);
    return;
  }
  say(`running; events keep showing up here. Try: curl ${coordinator.baseUrl}/v1/hosts/${HOSTS[0]}`);
  say('press Ctrl-C to stop everything');
}

/**
 * Runbook section 3 on a real process: kill -9 the watched service, print each recovery
 * event as the coordinator stores it (GET /v1/hosts/:id), and the time to serving again.
 */
async function serviceRecovery(baseUrl, port) {
  const running = await waitFor(`${SERVICE} on ${SERVICE_HOST} running with its check passing`, async () => {
    const s = (await hostDetail(baseUrl, SERVICE_HOST)).serviceStatus?.find((x) => x.name === SERVICE);
    return s && s.state === 'running' && !s.recovering && s.pids.length > 0 && s.checks.every((c) => c.status === 'passing') ? s : undefined;
  }, 20_000);
  const oldPid = running.pids[0];
  servicePids.add(oldPid);
  const before = await hostDetail(baseUrl, SERVICE_HOST);
  let lastSeq = Math.max(0, ...before.events.map((e) => e.eventSeq));
  console.log('');
  say(`service ${bold(SERVICE)} on ${SERVICE_HOST}: running as pid ${oldPid}, serving http://127.0.0.1:${port}/ (${running.checks.map((c) => `${c.name} ${c.status}`).join(', ')})`);
  say(`${bold(red(`kill -9 ${oldPid}`))}  (the service process itself; its agent should bring it back)`);
  const killedAt = performance.now();
  const killedWall = Date.now();
  process.kill(oldPid, 'SIGKILL');

  // Serving again: polled tightly on the service's own port.
  const serving = (async () => {
    for (;;) {
      const r = await probe(port).catch(() => undefined);
      if (r && r.status === 200 && r.pid !== oldPid) return { ...r, ms: performance.now() - killedAt };
      if (performance.now() - killedAt > 20_000) throw new Error(`${SERVICE} did not serve again within 20 s of the kill`);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  void serving.then((r) => {
    servicePids.add(r.pid);
    say(`${bold(green('serving again'))}: ${SERVICE} answered 200 from pid ${r.pid} ${bold(`${r.ms.toFixed(0)} ms`)} after the kill`);
  }, () => undefined);

  // The recovery steps, as the coordinator receives them from the agent.
  const colour = (type) => (/failed|exhausted/.test(type) ? red : /succeeded|passed/.test(type) ? green : /started|changed/.test(type) ? yellow : (x) => x);
  await waitFor('the recovery to finish', async () => {
    const events = (await hostDetail(baseUrl, SERVICE_HOST)).events.filter((e) => e.service === SERVICE && e.eventSeq > lastSeq).sort((a, b) => a.eventSeq - b.eventSeq);
    for (const e of events) {
      lastSeq = e.eventSeq;
      const t = ((e.atMs - killedWall) / 1000).toFixed(2);
      say(`${bold('recovery')} #${String(e.eventSeq).padEnd(3)} ${colour(e.type)(e.type.padEnd(19))} ${(e.step || '').padEnd(24)} ${dim(`+${t}s  ${e.detail.slice(0, 110)}`)}`);
      if (e.type === 'recovery_failed' || e.type === 'recovery_exhausted') throw new Error(`recovery of ${SERVICE} failed: ${e.detail}`);
    }
    return events.some((e) => e.type === 'monitoring_started');
  }, 20_000, 100);
  const back = await serving;
  servicePids.add(back.pid);
  console.log('');
  say(`${bold('recovered')}: ${SERVICE} killed → serving again as pid ${back.pid} in ${bold(`${back.ms.toFixed(0)} ms`)}; the agent keeps watching it`);
}

/**
 * Runbook sections 2, 7 and 8: the killed agent on a host that still answers ping and SSH
 * is classified agent_failure; the service that no restart fixes climbs level 1 → 2 → 3
 * (escalation times shortened by the coordinator's config).
 */
async function outageDrill(baseUrl, events, waiters) {
  const waitEvent = (match, what, timeoutMs) => {
    const seen = events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs / 1000} s`)), timeoutMs);
      waiters.push({ match, resolve: (e) => (clearTimeout(t), resolve(e)) });
    });
  };
  console.log('');
  say(bold('outage drill') + dim(` — escalation times shortened to ${Object.entries(DEMO_ESCALATION).map(([c, t]) => `${c} ${t}`).join(', ')}`));
  const agentFailure = await waitEvent((e) => e.subject === `vigil.v1.incident.opened.${VICTIM}`, `an incident for ${VICTIM}`, 20_000);
  const d = agentFailure.ce.data;
  say(`${bold('classified')}: ${VICTIM} → ${bold(d.class)} (confidence ${d.confidence}): ping and SSH answer, the agent is gone`);
  const incident = await (await fetch(`${baseUrl}/v1/incidents/${d.incidentId}`, { signal: AbortSignal.timeout(2000) })).json();
  const path = incident.incident.diagnosis?.path ?? [];
  say(`  decision path: ${path.map((p) => `${p.node}=${p.result}`).join(' → ')}`);

  const l3 = await waitEvent((e) => e.subject === `vigil.v1.escalation.l3.service_failure.${BROKEN_HOST}`, `level 3 for ${BROKEN_HOST}/${BROKEN_SERVICE}`, 60_000);
  const levels = events
    .filter((e) => e.subject.startsWith('vigil.v1.escalation.') && e.subject.endsWith(`.service_failure.${BROKEN_HOST}`))
    .map((e) => e.subject.split('.')[3]);
  const rc = l3.ce.data.rootCause;
  say(`${bold('escalated')}: ${BROKEN_HOST}/${BROKEN_SERVICE} service_failure went ${levels.join(' → ')}; level 3 pages on ${l3.subject}`);
  if (rc) say(`  root cause: ${bold(rc.cause)} — ${rc.diagnosis} fix: ${rc.fix}  ${dim(`"${rc.excerpt.slice(0, 80)}"`)}`);
}

/**
 * Issue 11's promise on real processes: the escalations reach a pager. vigil-notify read
 * them from the stream and paged the demo's Events-v2 receiver once per incident and
 * level (dedup_key = the incident id), and published a receipt for each page. An
 * operator's resolve then reaches the same receiver.
 */
async function pagesDrill(baseUrl, events) {
  const l3 = events.find((e) => e.subject === `vigil.v1.escalation.l3.service_failure.${BROKEN_HOST}`);
  const incidentId = l3.ce.data.incidentId;
  const page = await pager.waitPage((p) => p.action === 'trigger' && p.dedupKey === incidentId && p.severity === 'critical', `level 3 page for ${BROKEN_HOST}/${BROKEN_SERVICE}`, 20_000);
  const ms = page.at - l3.at;
  const triggers = pager.pages.filter((p) => p.action === 'trigger');
  const incidents = new Set(triggers.map((p) => p.dedupKey));
  console.log('');
  say(`${bold('paged')}: the level 3 page for ${BROKEN_HOST}/${BROKEN_SERVICE} reached the receiver ${bold(`${ms.toFixed(0)} ms`)} after its escalation event; ${triggers.length} page(s) for ${incidents.size} incident(s) so far, dedup_key = incident id`);
  for (const p of triggers) say(`  ${p.severity.padEnd(8)} ${p.dedupKey}  ${p.summary}`);

  // An operator closes it: the resolution goes to the receivers that were paged for it.
  const url = `${baseUrl}/v1/incidents/${incidentId}/resolve`;
  say(`${bold(`POST ${url}`)}  (an operator resolves it)`);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ comment: 'config fixed by hand (demo)' }), signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`POST ${url} → ${res.status} ${await res.text()}`);
  const resolvedAt = performance.now();
  const resolve = await pager.waitPage((p) => p.action === 'resolve' && p.dedupKey === incidentId, `resolve for ${incidentId}`, 20_000);
  say(`${bold('resolved')}: the pager got the resolve for ${incidentId} ${bold(`${(resolve.at - resolvedAt).toFixed(0)} ms`)} after the operator's request`);
}

main().catch(fail);
