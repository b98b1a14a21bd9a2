import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { getJson } from '../helpers/http.js';
import { report } from '../helpers/measure.js';
import { EventWatcher } from '../helpers/nats-watch.js';
import { NatsServer } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { E2E_FIXTURES, killServiceLeftovers, startServiceAgent } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * Runbook section 6 end to end: a real process leaks memory until V8 kills it for lack of
 * heap. The coordinator sees its memory (as a share of the declared limit) climb in the
 * heartbeats and publishes a resource_trend_analysis prediction on NATS before the
 * process dies. Time settings are shrunk (1 s buckets, a 12 s window instead of 1 h); the
 * rule's logic, including its guards against GC sawtooths, is the same.
 */
describe('predictions - a leaking service', () => {
  let nats: NatsServer;
  let watcher: EventWatcher;
  let coordinator: Coordinator;
  dumpLogsOnFailure();

  beforeAll(async () => {
    nats = await NatsServer.start();
    watcher = await EventWatcher.start(nats.url, 'vigil.v1.>');
    const config = join(tempDir('coordinator-config'), 'coordinator.yaml');
    const hour = 12_000; // the rule's "hour", shrunk
    writeFileSync(
      config,
      JSON.stringify({
        predictions: {
          bucket: '1s',
          tick: '1s',
          quiet: '5s',
          stale: '30s',
          rules: {
            resource_trend_analysis: { windowMs: hour, everyMs: 1000, floorSpanMs: 3000, horizonMs: 6 * hour, minRatePerHour: 5 },
            memory_exhaustion: false,
            gradual_performance_degradation: false,
          },
        },
      }),
    );
    coordinator = await Coordinator.start({ nats: nats.url, logLevel: 'warn', extraArgs: ['--config', config] });
  });
  afterAll(async () => {
    await watcher?.close().catch(() => undefined);
    await stopAllChildren(5000);
    await nats?.stop(2000).catch(() => undefined);
    killServiceLeftovers();
    removeTempDirs();
  });

  it('predictions - resource_trend_analysis is published before the process is killed for lack of memory', { timeout: 120_000 }, async () => {
    const agent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'leaky-1',
      interval: '500ms',
      logLevel: 'warn',
      services: [
        {
          name: 'leaky',
          manager: 'process',
          command: [process.execPath, '--max-old-space-size=200', join(E2E_FIXTURES, 'leak.mjs')],
          env: { LEAK_MB_PER_SECOND: '6' },
          memoryLimit: '260MB',
          // Leave the dead process dead: the test is about what was foreseen.
          recovery: { enabled: false },
        },
      ],
    });
    const t0 = Date.now();
    // The service's own series (share of its memory limit); the host's own memory series is
    // the whole machine's and moves with whatever else runs here.
    const raised = await watcher.waitForEvent(
      (e) => e.subject === 'vigil.v1.prediction.resource_trend_analysis.leaky-1' && (e.event as { data?: { prediction?: { service?: string } } } | undefined)?.data?.prediction?.service === 'leaky',
      { timeoutMs: 60_000 },
    );
    const data = (raised.event as { data?: { prediction?: { service?: string; rule?: string; preventiveAction?: string } } }).data;
    expect(data?.prediction).toMatchObject({ rule: 'resource_trend_analysis', service: 'leaky' });
    expect(data?.prediction?.preventiveAction).toMatch(/restart/i);
    report('prediction_after_leak_start_ms', Date.now() - t0, 'ms');

    // The process dies later, of the leak.
    const died = await waitFor(async () => {
      const s = await agent.status('leaky');
      return s && s.state !== 'running' ? Date.now() : undefined;
    }, { timeoutMs: 90_000, intervalMs: 200, what: 'the leaking process to die of its leak' });
    report('leak_start_to_death_ms', died - t0, 'ms');
    const finding = await waitFor(async () => {
      const d = await agent.detail();
      return d.events.find((e) => e.service === 'leaky' && e.type === 'status_changed' && /failed|exited|signal/.test(e.detail));
    }, { timeoutMs: 10_000, what: 'the exit reported by the agent' });
    const predictedAt = Date.parse((raised.event as { time: string }).time);
    report('prediction_lead_before_death_ms', finding.atMs - predictedAt, 'ms');
    expect(finding.atMs).toBeGreaterThan(predictedAt);

    const listed = await getJson<{ predictions: { rule: string; hostId: string }[] }>(`${coordinator.baseUrl}/v1/predictions?host=leaky-1`);
    expect(listed.predictions.map((p) => p.rule)).toContain('resource_trend_analysis');

    // Every event's link is absolute, on this coordinator's bound API port: a pager or a
    // chat message can only open what names its host.
    const kinds = new Set<string>();
    for (const e of watcher.events) {
      const url = (e.event as { data?: { url?: unknown } } | undefined)?.data?.url;
      if (url === undefined) continue;
      kinds.add(e.subject.split('.')[2]!);
      expect(String(url), e.subject).toMatch(new RegExp(`^${coordinator.baseUrl.replace(/[.]/g, '\\.')}/v1/`));
    }
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['host', 'prediction']));
  });
});
