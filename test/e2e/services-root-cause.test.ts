import { copyFileSync, renameSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { getJson } from '../helpers/http.js';
import { holdsFor, waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { describeEvents, fixture, getIncident, inOrder, killServiceLeftovers, listIncidents, startServiceAgent, type FindingView, type ServiceAgent } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * Runbook section 5 end to end: what a service writes (its output or its declared log
 * files) is matched against the root-cause patterns on the host, the findings reach the
 * coordinator, and they explain the service's incident.
 */
describe('services - root causes from logs', () => {
  let coordinator: Coordinator;
  dumpLogsOnFailure();

  beforeAll(async () => {
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn' });
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    killServiceLeftovers();
    removeTempDirs();
  });

  it('services - a service failing on its config: three steps fail, recovery_exhausted, configuration_error on the host and on its incident, escalated to level 2 at once', async () => {
    const agent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'svc-config',
      logLevel: 'warn',
      services: [
        {
          name: 'broken',
          manager: 'process',
          command: [process.execPath, fixture.failParse],
          // stableAfterStart stays above Node's start time on a loaded machine: a service
          // that dies only after it would pass for running (that is what the setting is for).
          // It costs nothing here: an exit ends the wait at once.
          recovery: { budget: { max: 1, window: '10m' }, startTimeout: '2s', stableAfterStart: '3s', watchAfterRestart: '500ms' },
        },
      ],
    });
    const events = await agent.waitEvents('broken', (es) => es.some((e) => e.type === 'recovery_exhausted'), 'recovery_exhausted', 20_000);
    const steps = events.filter((e) => e.type.startsWith('step_')).map((e) => `${e.type}:${e.step}`);
    expect(steps).toEqual([
      'step_started:step_1_graceful_restart',
      'step_failed:step_1_graceful_restart',
      'step_started:step_2_force_restart',
      'step_failed:step_2_force_restart',
      'step_started:step_3_system_recovery',
      'step_failed:step_3_system_recovery',
    ]);
    expect(inOrder(events, ['recovery_started', 'step_failed', 'step_failed', 'step_failed', 'recovery_failed', 'recovery_exhausted']), describeEvents(events)).toBe(true);
    // Step 3 read the logs and names the culprit line.
    expect(events.find((e) => e.step === 'step_3_system_recovery' && e.type === 'step_failed')!.detail).toMatch(/error pattern .*Failed to parse config/);
    const exhausted = events.find((e) => e.type === 'recovery_exhausted')!;
    expect(exhausted.cause).toBe('configuration_error');

    // The finding on the host's page, with the line that explains it.
    const finding = await waitFor(
      async () => (await agent.detail()).findings.find((f) => f.service === 'broken' && f.cause === 'configuration_error'),
      { timeoutMs: 5000, what: 'a configuration_error finding for broken' },
    );
    expect(finding.excerpt).toContain('Failed to parse config');
    expect(finding.source).toBe('stderr');
    expect(finding.fix).not.toBe('');

    // The incident: a service failure, explained by the finding, at level 2 right when the agent gave up.
    const incident = await waitFor(
      async () => {
        const list = await listIncidents(coordinator.baseUrl, 'host=svc-config');
        const i = list.find((x) => x.service === 'broken');
        return i && i.level >= 2 && i.rootCause ? i : undefined;
      },
      { timeoutMs: 10_000, what: 'the incident of svc-config/broken at level 2 with a root cause', observe: () => listIncidents(coordinator.baseUrl, 'host=svc-config') },
    );
    expect(incident.class).toBe('service_failure');
    expect(incident.rootCause!.cause).toBe('configuration_error');
    expect(incident.rootCause!.excerpt).toContain('Failed to parse');
    const detail = await getIncident(coordinator.baseUrl, incident.id);
    const escalated = detail.timeline.find((t) => t.kind === 'escalated');
    expect(escalated?.summary, JSON.stringify(detail.timeline)).toMatch(/level 2: automatic recovery exhausted on the host/);
    // At once: on the event, not on the 3-minute escalation timer of service failures.
    const lag = Date.parse(escalated!.at) - exhausted.receivedAt;
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(2000);
    expect(detail.timeline.some((t) => t.kind === 'agent_event' && t.summary.startsWith('recovery_exhausted'))).toBe(true);
    const host = await agent.detail();
    expect(host.incidents.find((i) => i.id === incident.id)).toMatchObject({ class: 'service_failure', service: 'broken' });
    console.log(`[observe] escalated ${lag} ms after recovery_exhausted was stored; timeline: ${detail.timeline.map((t) => t.kind).join(' ')}`);
  });

  it('services - memory and disk patterns in a declared log file reach the coordinator, through rename and copy-truncate rotation', async () => {
    const port = await freePort();
    const dir = tempDir('logs');
    const log = join(dir, 'app.log');
    const agent: ServiceAgent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'svc-logs',
      logLevel: 'warn',
      services: [
        {
          name: 'app',
          manager: 'process',
          command: [process.execPath, fixture.logService],
          env: { PORT: String(port), LOG_FILE: log },
          logs: [log],
          checks: [{ type: 'http', url: `http://127.0.0.1:${port}/` }],
        },
      ],
    });
    await agent.waitHealthy('app');
    const say = async (line: string, times = 1) => getJson(`http://127.0.0.1:${port}/write?line=${encodeURIComponent(line)}&times=${times}`);
    const finding = (cause: string, contains?: string, minCount = 1) =>
      waitFor(
        async () => {
          const f = (await agent.detail()).findings.find((x: FindingView) => x.service === 'app' && x.cause === cause && x.source === log);
          return f && f.count >= minCount && (contains === undefined || f.excerpt.includes(contains)) ? f : undefined;
        },
        { timeoutMs: 10_000, what: `a ${cause} finding from ${log}${contains ? ` with "${contains}"` : ''}${minCount > 1 ? ` counted ${minCount} times` : ''}`, observe: async () => (await agent.detail()).findings },
      );

    await say('INFO started');
    await say('ERROR java.lang.OutOfMemoryError: Java heap space');
    const oom = await finding('memory_exhaustion', 'OutOfMemoryError');
    await say('ERROR write /var/lib/app/data.db failed: No space left on device');
    const disk = await finding('disk_space_full', 'No space left on device');
    expect(oom.diagnosis).not.toBe('');
    expect(disk.diagnosis).not.toBe('');

    // Rename rotation: the line written just before the rename is kept, the new file is followed.
    await say('ERROR java.lang.OutOfMemoryError: before rename');
    renameSync(log, `${log}.1`);
    await getJson(`http://127.0.0.1:${port}/reopen`);
    await say('ERROR java.lang.OutOfMemoryError: after rename rotation');
    const afterRename = await finding('memory_exhaustion', 'after rename rotation', oom.count + 2);
    expect(afterRename.count).toBe(oom.count + 2);

    // Copy-truncate: the service keeps its descriptor (O_APPEND), the file is copied and
    // emptied under it; what it writes next lands at the start of the file again.
    await say('INFO filler line to move the read position well past the next line', 50);
    expect(statSync(log).size).toBeGreaterThan(2000);
    const seen = await finding('disk_space_full');
    // Let the tailer catch up with the filler before truncating, or the truncation would cut unread lines.
    await say('ERROR flush failed: Disk quota exceeded (before truncate)');
    await finding('disk_space_full', 'before truncate', seen.count + 1);
    copyFileSync(log, `${log}.2`);
    truncateSync(log, 0);
    await say('ERROR fsync failed: No space left on device (after copy-truncate)');
    const afterTruncate = await finding('disk_space_full', 'after copy-truncate', seen.count + 2);
    expect(afterTruncate.count).toBe(seen.count + 2);
    console.log(`[observe] findings: ${JSON.stringify((await agent.detail()).findings.map((f) => ({ cause: f.cause, count: f.count, excerpt: f.excerpt.slice(25) })))}`);
  });

  it('services - recovery disabled: the agent only reports, and the coordinator does not ask it to recover (level 1 refuses)', async () => {
    const agent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'svc-manual',
      logLevel: 'warn',
      services: [{ name: 'legacy', manager: 'process', command: [process.execPath, fixture.failParse], recovery: { enabled: false, startTimeout: '1s' } }],
    });
    const events = await agent.waitEvents('legacy', (es) => es.some((e) => e.type === 'recovery_skipped'), 'recovery_skipped', 15_000);
    expect(events.find((e) => e.type === 'recovery_skipped')!.detail).toMatch(/recovery is disabled for legacy/);
    // Reported down for two heartbeats: the coordinator opens the incident, and its level 1 declines.
    const incident = await waitFor(async () => (await listIncidents(coordinator.baseUrl, 'host=svc-manual')).find((i) => i.service === 'legacy'), {
      timeoutMs: 10_000,
      what: 'the incident of svc-manual/legacy',
    });
    expect(incident).toMatchObject({ class: 'service_failure', level: 1 });
    const note = await waitFor(
      async () => (await getIncident(coordinator.baseUrl, incident.id)).timeline.find((t) => t.kind === 'action' && t.summary.startsWith('level 1')),
      { timeoutMs: 5000, what: 'the level 1 action on the timeline', observe: () => getIncident(coordinator.baseUrl, incident.id) },
    );
    expect(note.summary).toBe('level 1: recovery of legacy is disabled in the agent config');
    // And nothing restarts it.
    await holdsFor(
      async () => {
        const es = await agent.events('legacy');
        if (es.some((e) => e.type === 'recovery_started')) throw new Error(describeEvents(es));
      },
      { durationMs: 1500, intervalMs: 250, what: 'no recovery of a service with recovery disabled' },
    );
    expect(await agent.status('legacy')).toMatchObject({ state: 'failed', recovering: false, budgetUsed: 0 });
  });
});
