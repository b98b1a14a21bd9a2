#!/usr/bin/env node
// The console's performance figures (docs/ui.md), measured in Debian's chromium:
//  1. first load: bytes on the wire (gzip, as the coordinator serves them) of every static
//     file a fresh browser fetches for the sign-in page and the fleet, from a real coordinator;
//  2. 10,000 hosts: navigation to a painted fleet, and the page's own share (hosts in hand
//     to painted), fed from a fixture fleet through the real page code (fixture-server.mjs);
//  3. frame times while 100 host state changes a second arrive on the event stream.
// Usage: node bench/console/perf.mjs [--hosts 10000] [--rate 100] [--seconds 10] [--runs 5]   (after `pnpm run build`)
// The render is loaded --runs times (fresh navigations); the median and the range are reported.
import { parseArgs } from 'node:util';
import { fixtureFleet, startFixtureServer } from './fixture-server.mjs';
import { OPERATOR, Rig, waitFor } from './rig.mjs';

const { values: args } = parseArgs({ options: { hosts: { type: 'string', default: '10000' }, rate: { type: 'string', default: '100' }, seconds: { type: 'string', default: '10' }, runs: { type: 'string', default: '5' } } });
const HOSTS = Number(args.hosts);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const out = {};
const kb = (b) => Math.round(b / 102.4) / 10;
const q = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

// 1. First load from a real coordinator with a real agent (whose host item becomes the fixture's template).
const rig = new Rig();
let template;
try {
  await rig.startCoordinator();
  rig.startAgent('template-1', { zone: 'zone-00' });
  template = await waitFor(async () => (await rig.api('/v1/hosts')).hosts.find((h) => h.id === 'template-1' && h.state === 'online'), { timeoutMs: 20_000, what: 'the template host online' });
  const page = await rig.browser();
  await page.goto(`${rig.base}/`);
  await page.fill('#token', OPERATOR.token);
  await page.press('#token', 'Enter');
  await page.waitForSelector('a.tile[data-id="template-1"]');
  const files = await page.evaluate(() =>
    [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
      .filter((e) => !new URL(e.name).pathname.startsWith('/v1/'))
      .map((e) => ({ path: new URL(e.name).pathname, transfer: e.transferSize, body: e.encodedBodySize, decoded: e.decodedBodySize })),
  );
  out.firstLoad = {
    files: files.map((f) => `${f.path} ${kb(f.body)} KB gzip (${kb(f.decoded)} KB)`),
    wireKB: kb(files.reduce((a, f) => a + f.transfer, 0)),
    gzipBodyKB: kb(files.reduce((a, f) => a + f.body, 0)),
    decodedKB: kb(files.reduce((a, f) => a + f.decoded, 0)),
  };
} finally {
  await rig.close();
}

// 2 and 3. A fleet of HOSTS from the fixture, then RATE updates a second.
const server = await startFixtureServer(fixtureFleet(template, HOSTS));
const rig2 = new Rig();
try {
  const page = await rig2.browser({ width: 1440, height: 900 });
  await page.addInitScript((token) => sessionStorage.setItem('vigil.token', token), 'fixture-token');
  const runs = [];
  for (let run = 0; run < Number(args.runs); run++) {
  await page.goto(`${server.base}/`);
  await page.waitForSelector('#live', { timeout: 30_000 });
  runs.push(await page.evaluate(
    (n) =>
      new Promise((resolve) => {
        const check = () => {
          // Tiles near the screen are drawn at once, the rest when scrolled to (fleet-grid.ts).
          const drawn = performance.getEntriesByName('vigil:fleet-drawn')[0];
          const got = performance.getEntriesByName('vigil:hosts-received')[0];
          if (!drawn || got?.detail !== n) return requestAnimationFrame(check);
          // The frame after the drawing: rAF runs before its paint, a message after it.
          requestAnimationFrame(() => {
            const ch = new MessageChannel();
            ch.port1.onmessage = () => {
              const received = performance.getEntriesByName('vigil:hosts-received')[0];
              const painted = performance.now();
              resolve({ hosts: n, tilesDrawn: document.querySelectorAll('a.tile').length, zones: document.querySelectorAll('section.zone').length, navigationToPaintedMs: painted, hostsReceivedAtMs: received.startTime, drawnAtMs: drawn.startTime, receivedToDrawnMs: drawn.startTime - received.startTime, renderMs: painted - received.startTime });
            };
            ch.port2.postMessage(0);
          });
        };
        check();
      }),
    HOSTS,
  ));
  }
  const med = (k) => {
    const v = runs.map((r) => r[k]).sort((a, b) => a - b);
    return { median: Math.round(v[Math.floor(v.length / 2)]), min: Math.round(v[0]), max: Math.round(v.at(-1)) };
  };
  out.render = { hosts: HOSTS, runs: runs.length, tilesDrawn: runs[0].tilesDrawn, zones: runs[0].zones, renderMs: med('renderMs'), receivedToDrawnMs: med('receivedToDrawnMs'), navigationToPaintedMs: med('navigationToPaintedMs'), hostsReceivedAtMs: med('hostsReceivedAtMs') };

  // Live: RATE state changes a second for SECONDS; frame intervals from requestAnimationFrame, long tasks from the observer.
  await page.waitForSelector('#live:text("live")');
  const sentBefore = server.sent();
  server.setRate(RATE);
  const frames = await page.evaluate(
    (seconds) =>
      new Promise((resolve) => {
        const deltas = [];
        const longTasks = [];
        new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration))).observe({ type: 'longtask' });
        let last = performance.now();
        const end = last + seconds * 1000;
        const tick = (t) => {
          deltas.push(t - last);
          last = t;
          if (t < end) requestAnimationFrame(tick);
          else resolve({ deltas, longTasks });
        };
        requestAnimationFrame((t) => {
          last = t;
          requestAnimationFrame(tick);
        });
      }),
    SECONDS,
  );
  server.setRate(0);
  const sent = server.sent() - sentBefore;
  await page.waitForTimeout(500);
  // Each host's last state as sent must be what its tile shows.
  const expected = Object.fromEntries(server.latest);
  // Tiles are drawn when near the screen: check the drawn ones, then scroll to the end
  // (blocks drawn then must show the state that arrived while they were not drawn).
  const check = () =>
    page.evaluate((want) => {
      const drawn = Object.entries(want).filter(([id]) => document.querySelector(`a.tile[data-id="${id}"]`));
      return { drawn: drawn.length, wrong: drawn.filter(([id, s]) => !document.querySelector(`a.tile[data-id="${id}"]`).classList.contains(`st-${s}`)).length };
    }, expected);
  const atTop = await check();
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.waitForTimeout(500);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.waitForTimeout(500);
  const atEnd = await check();
  const lastTile = await page.evaluate(() => [...document.querySelectorAll('.zone:last-of-type a.tile')].at(-1)?.dataset.id ?? null);
  const d = [...frames.deltas].sort((a, b) => a - b);
  out.updates = {
    ratePerSecond: RATE,
    seconds: SECONDS,
    eventsSent: sent,
    hostsChanged: Object.keys(expected).length,
    drawnTilesCheckedAtTop: atTop.drawn,
    drawnTilesCheckedAfterScrollToEnd: atEnd.drawn,
    tilesShowingAnOlderState: atTop.wrong + atEnd.wrong,
    lastTileDrawnAfterScroll: lastTile,
    frames: d.length,
    fps: Math.round((d.length / SECONDS) * 10) / 10,
    frameMs: { p50: +q(d, 50).toFixed(1), p95: +q(d, 95).toFixed(1), p99: +q(d, 99).toFixed(1), max: +d.at(-1).toFixed(1) },
    framesOver33ms: d.filter((x) => x > 33.4).length,
    longTasks: frames.longTasks.length,
    longTaskMaxMs: Math.round(Math.max(0, ...frames.longTasks)),
  };
} finally {
  await rig2.close();
  await server.close();
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
