#!/usr/bin/env node
// Screenshots of each console page for docs/ui.md, taken from a real coordinator with real
// agents in Debian's chromium: `pnpm run screenshots` (after `pnpm run build`).
// Writes docs/ui/*.png; takes about a minute.
import { join } from 'node:path';
import { OPERATOR, REPO_ROOT, Rig, waitFor } from './rig.mjs';

const OUT = join(REPO_ROOT, 'docs/ui');
const HTTP_FIXTURE = join(REPO_ROOT, 'packages/agent/test-fixtures/http-server.mjs');
const LEAK_FIXTURE = join(REPO_ROOT, 'test/e2e/fixtures/leak.mjs');
// Prediction time shrunk as in test/e2e/predictions.test.ts (1 s buckets, a 12 s "hour"), so a
// leaking service gets a resource_trend_analysis prediction within a minute.
const HOUR = 12_000;
const PREDICTIONS = {
  bucket: '1s',
  tick: '1s',
  quiet: '5s',
  stale: '30s',
  rules: {
    resource_trend_analysis: { windowMs: HOUR, everyMs: 1000, floorSpanMs: 3000, horizonMs: 6 * HOUR, minRatePerHour: 5 },
    memory_exhaustion: false,
    gradual_performance_degradation: false,
  },
};
const rig = new Rig();
const shot = async (page, name, opts = {}) => {
  await page.waitForTimeout(300); // let the last frame paint after the awaited condition
  await page.screenshot({ path: join(OUT, `${name}.png`), ...opts });
  process.stdout.write(`docs/ui/${name}.png\n`);
};

try {
  await rig.startCoordinator({ predictions: PREDICTIONS });
  const web = (port) => [{ name: 'web', manager: 'process', command: [process.execPath, HTTP_FIXTURE], env: { PORT: String(port) }, checks: [{ type: 'http', url: `http://127.0.0.1:${port}/`, timeout: '1s', interval: '1s' }] }];
  const fleet = [
    ['web-1', 'eu-west', web(18481)],
    ['web-2', 'eu-west', web(18482)],
    ['api-1', 'eu-west'],
    ['db-1', 'us-east'],
    ['db-2', 'us-east'],
    ['cache-1', 'us-east'],
    ['batch-1', 'ap-south'],
    ['batch-2', 'ap-south'],
    [
      'leaky-1',
      'ap-south',
      [{ name: 'leaky', manager: 'process', command: [process.execPath, '--max-old-space-size=200', LEAK_FIXTURE], env: { LEAK_MB_PER_SECOND: '3' }, memoryLimit: '260MB', recovery: { enabled: false } }],
    ],
  ];
  for (const [id, zone, services] of fleet) rig.startAgent(id, { zone, services });
  await waitFor(async () => ((await rig.api('/v1/hosts')).hosts.filter((h) => h.state === 'online').length === fleet.length ? true : undefined), { timeoutMs: 20_000, what: 'the fleet online' });

  const page = await rig.browser();
  await page.goto(`${rig.base}/`);
  await page.waitForSelector('#token');
  await shot(page, 'sign-in');
  await page.fill('#token', OPERATOR.token);
  await page.press('#token', 'Enter');
  await page.waitForSelector('a.tile[data-id="batch-2"]');

  // One host down: its tile turns silent and an incident opens with a diagnosis.
  process.kill(rig.agents.get('db-2').pid, 'SIGKILL'); // gone without a goodbye
  await page.waitForSelector('a.tile[data-id="db-2"].st-silent', { timeout: 10_000 });
  await shot(page, 'fleet');
  const incident = await waitFor(async () => (await rig.api('/v1/incidents?host=db-2')).incidents[0], { timeoutMs: 20_000, what: 'an incident for db-2' });

  await page.click('nav a[href="/incidents"]');
  await page.waitForSelector(`a[href="/incidents/${incident.id}"]`);
  await shot(page, 'incidents');
  await page.click(`a[href="/incidents/${incident.id}"]`);
  await page.waitForSelector('.tree');
  await shot(page, 'incident', { fullPage: true });

  await waitFor(async () => ((await rig.api('/v1/predictions?host=leaky-1')).predictions.some((p) => p.state === 'active') ? true : undefined), { timeoutMs: 90_000, what: 'a prediction for leaky-1' });
  await page.goto(`${rig.base}/hosts/leaky-1`);
  await page.waitForSelector('figure.chart');
  // A few live CPU samples so that line has a shape too.
  await page.waitForTimeout(5000);
  await shot(page, 'host', { fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${rig.base}/`);
  await page.waitForSelector('a.tile[data-id="db-2"].st-silent');
  await shot(page, 'fleet-phone');
  await page.goto(`${rig.base}/incidents/${incident.id}`);
  await page.waitForSelector('.tree');
  await shot(page, 'incident-phone');
} finally {
  await rig.close();
}
