// The console's own files served by the coordinator's real route code (installConsole,
// same headers and gzip), with /v1/hosts answered from a fixture fleet and /v1/events
// streaming host state changes at a set rate in the coordinator's SSE frame format. Lets
// the browser benchmark load 10,000 hosts through the page's real code path without
// running 10,000 agents; how the fixture was made is written in docs/ui.md.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './rig.mjs';

const requireFromCoordinator = createRequire(join(REPO_ROOT, 'packages/coordinator/package.json'));
const Fastify = requireFromCoordinator('fastify');
const { installConsole } = await import(join(REPO_ROOT, 'packages/coordinator/dist/http/routes/console.js'));

const STATES = ['online', 'suspect', 'silent'];

/** A deterministic fleet of `n` hosts cloned from one real host item (`template`). */
export function fixtureFleet(template, n, zones = 20) {
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const services = template.summary?.services?.[0];
  return Array.from({ length: n }, (_, i) => {
    const id = `host-${String(i).padStart(5, '0')}.bench`;
    const svc = Array.from({ length: Math.floor(rnd() * 4) }, (_, k) => ({ ...(services ?? { name: 'svc', manager: 'process', state: 'running', checks: [] }), name: ['api', 'web', 'worker'][k] }));
    return {
      ...template,
      id,
      hostname: id,
      state: rnd() < 0.97 ? 'online' : 'silent',
      labels: { zone: `zone-${String(i % zones).padStart(2, '0')}` },
      services: svc.map((s) => ({ name: s.name, manager: s.manager, recoveryEnabled: true, ports: [] })),
      summary: { services: svc, openIncidents: [], predictions: [] },
    };
  });
}

export async function startFixtureServer(hosts) {
  const app = Fastify();
  installConsole(app, { dir: join(REPO_ROOT, 'packages/console/dist') });
  const byId = [...hosts].sort((a, b) => a.id.localeCompare(b.id));
  const latest = new Map();
  let rate = 0;
  let seq = 0;
  const streams = new Set();
  app.get('/v1/hosts', async (req) => {
    const limit = Math.min(Number(req.query.limit ?? 500), 5000);
    const from = req.query.cursor ? Number(req.query.cursor) : 0;
    const page = byId.slice(from, from + limit);
    return { hosts: page, total: byId.length, ...(from + limit < byId.length ? { nextCursor: String(from + limit) } : {}) };
  });
  app.get('/v1/events', (req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    reply.raw.write('retry: 2000\n\n');
    streams.add(reply.raw);
    reply.raw.on('close', () => streams.delete(reply.raw));
  });
  app.get('/v1/incidents', async () => ({ incidents: [] }));
  // Every 10 ms, as many state changes as the rate owes since the last tick (timers drift
  // on a loaded machine; the rate holds), each on a random host.
  let owed = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    owed += (rate * (now - last)) / 1000;
    last = now;
    for (; owed >= 1; owed -= 1) {
      const h = byId[Math.floor(Math.random() * byId.length)];
      const state = STATES[Math.floor(Math.random() * STATES.length)];
      latest.set(h.id, state);
      seq += 1;
      const at = Date.now();
      const data = JSON.stringify({ seq, subject: `vigil.v1.host.${state}.${h.id.replace(/\./g, '_')}`, at, payload: { specversion: '1.0', type: `vigil.v1.host.${state}`, data: { hostId: h.id, state } } });
      for (const s of streams) s.write(`id: ${seq}\nevent: host\ndata: ${data}\n\n`);
    }
  }, 10);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    base: `http://127.0.0.1:${app.server.address().port}`,
    setRate: (r) => {
      rate = r;
    },
    sent: () => seq,
    latest,
    close: async () => {
      clearInterval(timer);
      for (const s of streams) s.destroy();
      await app.close();
    },
  };
}
