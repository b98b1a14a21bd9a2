// vigil-notify's delivery latency: an escalation published on JetStream → received at a
// loopback webhook receiver. Phase 1: a steady rate (100/s) for a duration (60 s); phase 2:
// rates doubling, 10 s each, until p99 passes 1 s. Prints p50/p99 and vigil-notify's CPU and
// RSS per step. Everything on 127.0.0.1, in one temp dir, stopped by PID.
//
//   pnpm run build && node bench/notify/run.mjs [--warmup 5s] [--rate 100] [--duration 60s] [--step 10s] [--max-rate 6400]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect, nanos, RetentionPolicy, StorageType } from 'nats';
import { NatsServer, spawnChild, waitFor } from '@vigil/testkit';

const { values } = parseArgs({ options: { warmup: { type: 'string', default: '5s' }, rate: { type: 'string', default: '100' }, duration: { type: 'string', default: '60s' }, step: { type: 'string', default: '10s' }, 'max-rate': { type: 'string', default: '6400' } } });
const secs = (s) => Number(/^(\d+)s$/.exec(s)?.[1] ?? NaN) * 1000;
const WARMUP = secs(values.warmup);
const RATE = Number(values.rate);
const DURATION = secs(values.duration);
const STEP = secs(values.step);
const MAX_RATE = Number(values['max-rate']);
const NOTIFY_BIN = fileURLToPath(new URL('../../packages/notify/bin/vigil-notify.js', import.meta.url));
const TICKS = Math.max(1, Math.floor(1000 / (Number(process.env.CLK_TCK) || 100)));

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-notify-'));
const children = [];
let server;

/** Latencies of the current step, in ms. */
let latencies = [];
let received = 0;

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** utime+stime (clock ticks) and RSS of a PID. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  return { ticks, rss };
}

async function main() {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const ev = JSON.parse(body);
      latencies.push(Date.now() - Date.parse(ev.time));
      received++;
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${server.address().port}/hook`;

  const nats = await NatsServer.start(dir);
  children.push(nats);
  const nc = await connect({ servers: nats.url });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'VIGIL', subjects: ['vigil.v1.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: nanos(600_000), max_age: nanos(3_600_000) });
  const js = nc.jetstream();

  writeFileSync(
    join(dir, 'notify.yaml'),
    `dataDir: ${join(dir, 'notify-data')}\nlogLevel: warn\nnats:\n  servers: [${nats.url}]\nreceivers:\n  - { name: hook, type: webhook, url: "${hookUrl}" }\nroute:\n  receiver: hook\n`,
  );
  const notify = spawnChild({ name: 'vigil-notify', command: process.execPath, args: [NOTIFY_BIN, '--config', join(dir, 'notify.yaml')] });
  children.push(notify);
  await waitFor(async () => ((await jsm.consumers.info('VIGIL', 'vigil-notify').catch(() => undefined)) ? true : undefined), { timeoutMs: 20_000, what: 'the consumer', intervalMs: 100 });

  let n = 0;
  const publishOne = () => {
    const id = `bench-${++n}`;
    const ev = { specversion: '1.0', id: `ev-${id}`, source: 'bench', type: 'vigil.v1.escalation.l3', time: new Date().toISOString(), subject: id, datacontenttype: 'application/json', data: { incidentId: id, event: 'escalated', summary: 'bench', class: 'service_failure', level: 3, state: 'open', hostId: `h${n % 500}`, service: 'web', rootCause: null, openedAt: new Date().toISOString(), reason: 'bench', url: '' } };
    return js.publish(`vigil.v1.escalation.l3.service_failure.h${n % 500}`, JSON.stringify(ev), { msgID: ev.id });
  };

  /** Publishes at `rate`/s for `ms` (in 10 ms slots), then waits for the stragglers; one result row. */
  async function step(rate, ms, { quiet = false } = {}) {
    latencies = [];
    const before = usage(notify.pid);
    const sentBefore = n;
    const receivedBefore = received;
    const start = performance.now();
    let due = 0;
    const pending = [];
    while (performance.now() - start < ms) {
      const target = Math.floor(((performance.now() - start) / 1000) * rate);
      while (due < target) {
        pending.push(publishOne());
        due++;
      }
      if (pending.length > 500) await Promise.all(pending.splice(0));
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(pending);
    const sent = n - sentBefore;
    await waitFor(() => (received - receivedBefore >= sent ? true : undefined), { timeoutMs: 60_000, what: `all ${sent} deliveries at ${rate}/s`, intervalMs: 100 }).catch(() => undefined);
    const elapsed = (performance.now() - start) / 1000;
    const after = usage(notify.pid);
    const sorted = [...latencies].sort((a, b) => a - b);
    const row = { rate, sent, received: received - receivedBefore, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1), cpu: Math.round(((after.ticks - before.ticks) * TICKS) / 10 / elapsed), rssMb: Math.round(after.rss) };
    if (!quiet) console.log(`| ${row.rate}/s | ${row.sent} | ${row.received} | ${row.p50} | ${row.p99} | ${row.max} | ${row.cpu} % | ${row.rssMb} MB |`);
    return row;
  }

  console.log(`vigil-notify bench: webhook receiver on loopback, ${WARMUP / 1000} s warm-up, ${RATE}/s for ${DURATION / 1000} s, then doubling every ${STEP / 1000} s until p99 > 1 s`);
  console.log('| rate | sent | delivered | p50 ms | p99 ms | max ms | notify CPU | notify RSS |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  // JIT, connections and the store warm up here; not counted.
  if (WARMUP > 0) await step(RATE, WARMUP, { quiet: true });
  await step(RATE, DURATION);
  for (let rate = RATE * 2; rate <= MAX_RATE; rate *= 2) {
    const r = await step(rate, STEP);
    if (!(r.p99 <= 1000) || r.received < r.sent) break;
  }
  await nc.close();
}

try {
  await main();
} finally {
  for (const c of children.reverse()) await c.stop(5000);
  server?.close();
  rmSync(dir, { recursive: true, force: true });
}
