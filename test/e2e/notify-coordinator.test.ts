import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../helpers/api-client.js';
import { Coordinator } from '../helpers/coordinator.js';
import { NatsServer } from '../helpers/nats-server.js';
import { NotifyProcess } from '../helpers/notify.js';
import { RecordingReceiver, startEventsV2Receiver } from '../helpers/notify-receivers.js';
import { waitFor } from '../helpers/poll.js';
import { describeChildren, stopAllChildren } from '../helpers/processes.js';
import { killServiceLeftovers, listIncidents, startServiceAgent } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * The whole path with real processes: nats-server, vigil-coordinator, a vigil-agent whose
 * service cannot be recovered, vigil-notify and loopback receivers. The incident climbs to
 * level 3; each level is paged once; an operator's resolve reaches the pager, and after
 * a reopen the pager is paged and resolved again; then the coordinator is killed and the
 * dead man's switch pages.
 */

const ESCALATE = '2s';
const DEADMAN = 3000;

let nats: NatsServer;
let coordinator: Coordinator;
let pd: Awaited<ReturnType<typeof startEventsV2Receiver>>;
let deadman: RecordingReceiver;
let notify: NotifyProcess;

beforeAll(async () => {
  nats = await NatsServer.start();
  pd = await startEventsV2Receiver();
  deadman = await RecordingReceiver.start();
  const dir = tempDir('notify-coord');
  const config = join(dir, 'coordinator.yaml');
  const classes = ['network_issue', 'server_hardware_issue', 'service_failure', 'partial_failure', 'agent_failure', 'observer_partition'];
  writeFileSync(config, `${JSON.stringify({ incidentTick: '100ms', heartbeatInterval: '300ms', escalation: Object.fromEntries(classes.map((c) => [c, ESCALATE])) })}\n`);
  coordinator = await Coordinator.start({ nats: nats.url, id: 'coord-e2e', logLevel: 'warn', extraArgs: ['--config', config] });
  notify = NotifyProcess.start(`nats:
  servers: [${nats.url}]
  ackWait: 5s
receivers:
  - name: pager
    type: pagerduty
    url: ${pd.url('/v2/enqueue')}
    routingKey: R0123456789abcdef0123456789abcd
    retry: { initialBackoff: 100ms, maxBackoff: 1s }
  - name: deadman
    type: webhook
    url: ${deadman.url('/deadman')}
deadman:
  receiver: deadman
  coordinatorSilence: ${DEADMAN}ms
  natsDown: 60s
route:
  receiver: pager
`);
}, 60_000);

afterAll(async () => {
  await stopAllChildren(5000);
  killServiceLeftovers();
  await pd?.close();
  await deadman?.close();
  await nats?.dispose();
  removeTempDirs();
});

describe('vigil-notify - from a real coordinator', () => {
  it('an unrecoverable service climbs to level 3: one page per level, in order; the resolve reaches the pager; a reopen pages again', async () => {
    try {
      // Its consumer starts at new events: the agent's host event (with its labels) must come after.
      await waitFor(() => notify.logLines(/created the durable consumer/).length > 0, { timeoutMs: 15_000, what: 'the durable consumer', observe: () => notify.child.output() });
      const agent = startServiceAgent(coordinator.baseUrl, {
        coordinator: coordinator.grpcTarget,
        hostId: 'notify-host',
        logLevel: 'warn',
        labels: { zone: 'eu-1', role: 'web' },
        services: [
          {
            name: 'broken',
            manager: 'process',
            command: [process.execPath, '-e', 'process.exit(3)'],
            recovery: { budget: { max: 1, window: '10m' }, watchAfterRestart: '300ms', stableAfterStart: '200ms', monitorEvery: '300ms', monitorFor: '1s' },
          },
        ],
      });
      const triggers = () => pd.accepted().map((q) => q.json as { event_action: string; dedup_key: string; payload?: { severity: string; group?: string } }).filter((b) => b.event_action === 'trigger');
      await waitFor(() => triggers().length >= 3, { timeoutMs: 60_000, what: 'pages for levels 1, 2 and 3', observe: () => ({ pd: pd.requests.map((q) => q.json), notify: notify.child.output() }) });
      const incidents = await listIncidents(coordinator.baseUrl, 'host=notify-host');
      const inc = incidents.find((i) => i.level === 3)!;
      expect(inc).toBeDefined();
      expect(triggers().map((b) => [b.dedup_key, b.payload?.severity])).toEqual([
        [inc.id, 'warning'],
        [inc.id, 'error'],
        [inc.id, 'critical'],
      ]);
      // The host's labels came from its host event on the same stream.
      expect(triggers()[2]!.payload?.group).toBe('eu-1');
      // The service stays down: with its agent running, a new incident for it would open
      // soon after the resolve below and rightly make the reopen a conflict (409). The
      // agent stops (Goodbye: a planned stop, no host incident) so the reopen is the
      // operator's alone.
      await agent.stop();

      await new ApiClient(coordinator.baseUrl).post(`/v1/incidents/${inc.id}/resolve`, { comment: 'fixed by hand' });
      await waitFor(() => pd.accepted().some((q) => (q.json as { event_action: string }).event_action === 'resolve'), { timeoutMs: 15_000, what: 'the resolve at the pager' });
      const actions = pd.accepted().map((q) => q.json as { event_action: string; dedup_key: string }).filter((b) => b.dedup_key === inc.id).map((b) => b.event_action);
      expect(actions).toEqual(['trigger', 'trigger', 'trigger', 'resolve']);
      // The coordinator's timeline says what reached the pager, from notify's receipts.
      const timeline = async () => (await new ApiClient(coordinator.baseUrl).get<{ incident: { timeline: { summary: string }[] } }>(`/v1/incidents/${inc.id}`)).incident.timeline.map((t) => t.summary);
      await waitFor(async () => (await timeline()).includes('resolve delivered to pager (1 attempt)'), { timeoutMs: 10_000, what: 'the receipts on the timeline', observe: timeline });
      const lines = await timeline();
      for (const l of [1, 2, 3]) expect(lines).toContain(`level ${l} page delivered to pager (1 attempt)`);
      expect(lines.some((l) => /notified|paged \(level/.test(l))).toBe(false);

      // Reopened by an operator: live again, so the pager gets a new trigger at its level
      // (PagerDuty opens a new alert under the same dedup_key), and the next resolve too.
      await new ApiClient(coordinator.baseUrl).post(`/v1/incidents/${inc.id}/reopen`, { comment: 'it is back' });
      const ofIncident = () => pd.accepted().map((q) => q.json as { event_action: string; dedup_key: string; payload?: { severity: string } }).filter((b) => b.dedup_key === inc.id);
      await waitFor(() => ofIncident().length >= 5, { timeoutMs: 15_000, what: 'the page of the reopened incident', observe: () => ({ pd: ofIncident(), notify: notify.child.output() }) });
      await new ApiClient(coordinator.baseUrl).post(`/v1/incidents/${inc.id}/resolve`, { comment: 'fixed for good' });
      await waitFor(() => ofIncident().length >= 6, { timeoutMs: 15_000, what: 'the second resolve at the pager', observe: () => ({ pd: ofIncident(), notify: notify.child.output() }) });
      expect(ofIncident().map((b) => `${b.event_action}${b.payload ? ` ${b.payload.severity}` : ''}`)).toEqual([
        'trigger warning',
        'trigger error',
        'trigger critical',
        'resolve',
        'trigger critical',
        'resolve',
      ]);
    } catch (err) {
      console.error(describeChildren());
      throw err;
    }
  }, 120_000);

  it("the coordinator killed: the dead man's page arrives within the configured time, and resolves when it is back", async () => {
    expect(deadman.requests).toHaveLength(0);
    await coordinator.child.kill();
    const killedAt = Date.now();
    await waitFor(() => deadman.accepted().length >= 1, { timeoutMs: DEADMAN + 10_000, what: "the dead man's page", observe: () => notify.child.output() });
    const after = deadman.accepted()[0]!.at - killedAt;
    const page = deadman.accepted()[0]!.json as { type: string; data: { summary: string; level: number } };
    console.log(`dead man's page ${after} ms after the coordinator was killed (configured ${DEADMAN} ms): ${page.data.summary}`);
    expect(page.type).toBe('vigil.v1.escalation.l3');
    expect(page.data.summary).toMatch(/^no Vigil coordinator heard for \d+ s: nothing is watching the fleet; last: coord-e2e/);
    // Counted from the last heartbeat heard, up to one heartbeatInterval (300 ms) before the kill.
    expect(after).toBeGreaterThanOrEqual(DEADMAN - 1000);
    expect(after).toBeLessThan(DEADMAN + 5000);
    await coordinator.restart();
    await waitFor(() => deadman.accepted().some((q) => q.headers['x-vigil-notify-kind'] === 'resolve'), { timeoutMs: 20_000, what: "the dead man's page resolved" });
  }, 60_000);
});
