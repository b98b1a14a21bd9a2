// GET /v1/events fan-out: N SSE clients on loopback (plus optional stalled ones that never
// read) while M events are stored in transactions of 100, through the real OutboxStore,
// EventFeed and response sink. Prints the time until every reading client had every
// event, the delivery rate, and the process RSS before and after.
//
//   pnpm exec tsc -b packages/coordinator   # the bench imports packages/coordinator/dist
//   node bench/api/sse-fanout.mjs --clients 50 --events 20000 --stalled 5
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../../packages/coordinator/dist/store/db.js';
import { OutboxStore } from '../../packages/coordinator/dist/store/outbox-store.js';
import { EventFeed } from '../../packages/coordinator/dist/outbox/event-feed.js';
import { responseSink } from '../../packages/coordinator/dist/http/routes/events.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '50' }, events: { type: 'string', default: '20000' }, stalled: { type: 'string', default: '5' }, size: { type: 'string', default: '600' } } });
const CLIENTS = Number(values.clients);
const EVENTS = Number(values.events);
const STALLED = Number(values.stalled);
const PAD = 'x'.repeat(Number(values.size));

const dir = mkdtempSync(join(tmpdir(), 'vigil-sse-bench-'));
const db = openDb(dir);
const outbox = new OutboxStore(db, { publishes: false });
const feed = new EventFeed(outbox, { stallMs: 60_000 });
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write('retry: 2000\n\n');
  const sub = feed.subscribe(responseSink(res));
  res.on('close', () => sub.close());
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

const counts = new Array(CLIENTS).fill(0);
const reqs = [];
for (let i = 0; i < CLIENTS; i++) {
  await new Promise((ready) => {
    const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      res.setEncoding('utf8');
      let tail = '';
      res.on('data', (chunk) => {
        const text = tail + chunk;
        const parts = text.split('\n\n');
        tail = parts.pop();
        for (const p of parts) if (p.startsWith('id: ')) counts[i]++;
      });
      ready();
    });
    req.end();
    reqs.push(req);
  });
}
const stalled = [];
for (let i = 0; i < STALLED; i++) {
  const s = connect(port, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  s.pause();
  stalled.push(s);
}
while (feed.size < CLIENTS + STALLED) await new Promise((r) => setTimeout(r, 10));

const rssBefore = process.memoryUsage().rss;
const addBatch = db.transaction((from, n) => {
  for (let k = from; k < from + n; k++) outbox.add(`e${k}`, `vigil.v1.host.online.h${k % 1000}`, JSON.stringify({ id: `e${k}`, pad: PAD }), Date.now());
});
const t0 = performance.now();
for (let k = 0; k < EVENTS; k += 100) {
  addBatch(k, Math.min(100, EVENTS - k));
  await new Promise((r) => setImmediate(r));
}
const stored = performance.now() - t0;
let peakRss = 0;
while (counts.some((c) => c < EVENTS)) {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  await new Promise((r) => setTimeout(r, 5));
}
const done = performance.now() - t0;
const frame = 60 + PAD.length;
console.log(
  JSON.stringify({
    clients: CLIENTS,
    stalled: STALLED,
    events: EVENTS,
    frameBytes: frame,
    storeMs: Math.round(stored),
    allDeliveredMs: Math.round(done),
    deliveredFramesPerSec: Math.round((CLIENTS * EVENTS) / (done / 1000)),
    deliveredMBPerSec: Math.round(((CLIENTS * EVENTS * frame) / (done / 1000) / 1e6) * 10) / 10,
    rssBeforeMB: Math.round(rssBefore / 1e6),
    rssPeakMB: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1e6),
  }),
);
for (const r of reqs) r.destroy();
for (const s of stalled) s.destroy();
feed.close();
server.close();
db.close();
rmSync(dir, { recursive: true, force: true });
