import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { canRunNetnsTests } from '../helpers/netns.js';
import { waitFor } from '../helpers/poll.js';
import type { Child } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';
import { classificationGoalMs, Drill, duplicateIds, figuresOf, incidentData, recordFigures, subjectCounts, subjects } from './kit.js';

/**
 * Drills 4 and 5: faults of a watched service, judged on the host by its agent. A
 * service whose configuration stops parsing cannot be recovered: service_failure walks
 * the escalation matrix from level 1 to 3. A service that answers 5 % of its requests
 * with 5xx is a partial_failure for application-level diagnosis.
 */
const SERVICE = 'api';
const PORT = 8080;
const BROKEN = 'svc-1';
const ERRING = 'web-1';
const SERVICE_FIXTURE = fileURLToPath(new URL('./fixtures/drill-service.mjs', import.meta.url));
const LOAD_FIXTURE = fileURLToPath(new URL('./fixtures/load.mjs', import.meta.url));

interface ServiceStatus {
  name: string;
  state: string;
  recovering: boolean;
  exhausted: boolean;
  pids: number[];
  checks: { status: string }[];
  errorRate: { requests: number; errors: number; rate: number } | null;
}

/** An agent config (JSON is YAML) declaring the fixture service, with recovery timings shrunk. */
function agentConfig(hostId: string, stateDir: string): string {
  const accessLog = join(stateDir, 'access.log');
  const file = join(tempDir(`agent-config-${hostId}`), 'agent.yaml');
  const config = {
    services: [
      {
        name: SERVICE,
        manager: 'process',
        command: [process.execPath, SERVICE_FIXTURE],
        env: { PORT: String(PORT), STATE_DIR: stateDir, ACCESS_LOG: accessLog },
        checks: [{ type: 'http', url: `http://127.0.0.1:${PORT}/health`, timeout: '1s' }],
        accessLog,
        recovery: {
          // One attempt of the three steps; the next failure exhausts the budget.
          budget: { max: 1, window: '15m' },
          gracefulStopTimeout: '300ms',
          watchAfterRestart: '1s',
          stableAfterStart: '300ms',
          startTimeout: '2s',
          monitorEvery: '1s',
          monitorFor: '5s',
          logLookback: '1m',
        },
      },
    ],
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

describe.skipIf(!canRunNetnsTests())('drills - a watched service fails', () => {
  let d: Drill;
  let load: Child | undefined;
  const stateDirs: Record<string, string> = { [BROKEN]: tempDir('drill-svc-1'), [ERRING]: tempDir('drill-web-1') };
  dumpLogsOnFailure();

  beforeAll(async () => {
    d = await Drill.start({
      tag: 'sv',
      coordinatorId: 'drill-sv',
      hosts: [BROKEN, ERRING].map((id) => ({ id, ssh: false, agentArgs: ['--config', agentConfig(id, stateDirs[id]!)] })),
    });
    await Promise.all([BROKEN, ERRING].map((h) => waitHealthy(h)));
  }, 60_000);
  afterAll(async () => {
    await load?.stop(2000);
    await d?.teardown();
  });

  async function status(hostId: string): Promise<ServiceStatus | undefined> {
    const { host } = await d.api.get<{ host: { serviceStatus: ServiceStatus[] } }>(`/v1/hosts/${hostId}`);
    return host.serviceStatus.find((s) => s.name === SERVICE);
  }

  function waitHealthy(hostId: string): Promise<ServiceStatus> {
    return waitFor(
      async () => {
        const s = await status(hostId);
        return s && s.state === 'running' && !s.recovering && s.checks.length > 0 && s.checks.every((c) => c.status === 'passing') ? s : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: `${hostId}/${SERVICE} running with its check passing`, observe: () => status(hostId) },
    );
  }

  it('drill 4 - a service that cannot be recovered is a service_failure (0.95) that goes from level 1 to 2 to 3', async () => {
    const goalMs = classificationGoalMs(d, false);
    const faultAt = performance.now();
    writeFileSync(join(stateDirs[BROKEN]!, 'broken'), '');

    const opened = await d.waitEvent(subjects.incident('opened', BROKEN), { since: faultAt, timeoutMs: goalMs + 10_000 });
    const data = incidentData(opened)!;
    expect(data).toMatchObject({ class: 'service_failure', confidence: 0.95, service: SERVICE, hostId: BROKEN, parentId: null });
    expect(opened.receivedAt - faultAt, `fault → classified incident on NATS (goal ${goalMs} ms)`).toBeLessThanOrEqual(goalMs);
    const id = data.incidentId;
    const onId = (x: { incidentId: string } | undefined) => x?.incidentId === id;
    const esc = d.escalationMs('service_failure');

    const l1 = await d.waitEvent(subjects.escalation(1, 'service_failure', BROKEN), { since: faultAt, timeoutMs: 2000, pred: onId });
    // Level 2 when the agent's own recovery is spent, or one escalation time after level 1, whichever is first.
    const l2 = await d.waitEvent(subjects.escalation(2, 'service_failure', BROKEN), { since: l1.receivedAt, timeoutMs: esc + 10_000, pred: onId });
    expect(l2.receivedAt - l1.receivedAt).toBeLessThanOrEqual(esc + 1500);
    const l3 = await d.waitEvent(subjects.escalation(3, 'service_failure', BROKEN), { since: l2.receivedAt, timeoutMs: esc + 5000, pred: onId });
    expect(l3.receivedAt - l2.receivedAt, 'level 2 → 3').toBeGreaterThanOrEqual(esc - 250);
    expect(l3.receivedAt - l2.receivedAt, 'level 2 → 3').toBeLessThanOrEqual(esc + 1500);
    expect(incidentData(l3)).toMatchObject({ level: 3, service: SERVICE });

    const inc = await d.incident(id);
    const decision = (inc.diagnosis as { path?: { node: string; result: string }[]; next?: string; facts?: Record<string, unknown>; event?: unknown } | null) ?? {};
    console.log(`[observe] drill 4 incident opened from ${decision.path ? 'down reports' : 'the recovery_exhausted event'}`);
    if (decision.path) {
      // Opened from the agent's down reports: the tree ends in service_status_check.
      expect(decision.path.at(-1)).toMatchObject({ node: 'service_status_check', result: 'down', next: 'service_failure' });
      expect(decision.next).toBe('service_restart_sequence');
      expect(['failed', 'inactive']).toContain(decision.facts?.service_state);
    } else {
      // Opened from the agent's recovery_exhausted event.
      expect(decision.event).toMatchObject({ type: 'recovery_exhausted', service: SERVICE });
    }
    // The agent tried the runbook's recovery on the host first, and gave up.
    const s = await status(BROKEN);
    expect(s).toMatchObject({ exhausted: true, recovering: false });
    expect(['failed', 'inactive']).toContain(s!.state);
    const agentEvents = inc.timeline.filter((t) => t.kind === 'agent_event').map((t) => t.summary);
    expect(agentEvents.some((e) => e.startsWith('recovery_exhausted')), agentEvents.join(' | ')).toBe(true);
    // Its log line names the runbook's root cause.
    const { incident } = await d.api.get<{ incident: { rootCause: { cause: string; excerpt: string } | null } }>(`/v1/incidents/${id}`);
    expect(incident.rootCause).toMatchObject({ cause: 'configuration_error', excerpt: expect.stringContaining('Failed to parse') });

    recordFigures(figuresOf(d, { drill: '4', title: 'service cannot be recovered → service_failure', faultAt, host: BROKEN, incidentId: id, goalMs }));
    const stored = await d.stream();
    expect(duplicateIds(stored)).toEqual([]);
    const counts = subjectCounts(stored, id);
    for (const level of [1, 2, 3]) expect(counts[subjects.escalation(level, 'service_failure', BROKEN)], `level ${level}`).toBe(1);
    expect(counts[subjects.incident('opened', BROKEN)]).toBe(1);
    // A configuration error is fixed by a person: no reboot or failover is requested for it.
    expect(counts[subjects.action('reboot', BROKEN)] ?? 0).toBe(0);
    expect(counts[subjects.action('failover', BROKEN)] ?? 0).toBe(0);
  });

  it('drill 5 - a service answering 5 % 5xx is a partial_failure (0.8) for application-level diagnosis', async () => {
    const host = d.host(ERRING);
    load = d.net.exec(host.net, `load ${host.net.ns}`, [process.execPath, LOAD_FIXTURE, `http://127.0.0.1:${PORT}/`, '50']);
    // Healthy traffic first: the coordinator sees requests and no errors.
    await waitFor(
      async () => {
        const s = await status(ERRING);
        return s?.errorRate && s.errorRate.requests >= 50 && s.errorRate.errors === 0 ? s : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: `${ERRING}/${SERVICE} reporting error-free traffic`, observe: () => status(ERRING) },
    );

    const goalMs = classificationGoalMs(d, false);
    const faultAt = performance.now();
    writeFileSync(join(stateDirs[ERRING]!, 'errors'), '');
    const opened = await d.waitEvent(subjects.incident('opened', ERRING), { since: faultAt, timeoutMs: goalMs + 10_000 });
    const data = incidentData(opened)!;
    expect(data).toMatchObject({ class: 'partial_failure', confidence: 0.8, service: SERVICE, hostId: ERRING });
    expect(opened.receivedAt - faultAt, `fault → classified incident on NATS (goal ${goalMs} ms)`).toBeLessThanOrEqual(goalMs);
    const id = data.incidentId;
    await d.waitEvent(subjects.escalation(1, 'partial_failure', ERRING), { since: faultAt, timeoutMs: 2000, pred: (x) => x?.incidentId === id });

    const inc = await d.incident(id);
    const decision = inc.diagnosis as unknown as { path: { node: string; result: string }[]; next: string; facts: { service_state: string; error_rate: number } };
    expect(decision.path.at(-1)).toMatchObject({ node: 'error_rate_check', result: 'high', next: 'partial_failure' });
    expect(decision.path.find((p) => p.node === 'service_status_check')).toMatchObject({ result: 'running' });
    expect(decision.next).toBe('application_level_diagnosis');
    expect(decision.facts.service_state).toBe('running');
    expect(decision.facts.error_rate).toBeGreaterThan(0.01);
    expect(decision.facts.error_rate).toBeLessThanOrEqual(0.05);

    const esc = d.escalationMs('partial_failure');
    const l2 = await d.waitEvent(subjects.escalation(2, 'partial_failure', ERRING), { since: opened.receivedAt, timeoutMs: esc + 5000, pred: (x) => x?.incidentId === id });
    expect(l2.receivedAt - opened.receivedAt).toBeGreaterThanOrEqual(esc - 250);
    recordFigures(figuresOf(d, { drill: '5', title: 'service answers 5 % 5xx → partial_failure', faultAt, host: ERRING, incidentId: id, goalMs }));

    const stored = await d.stream();
    expect(duplicateIds(stored)).toEqual([]);
    const counts = subjectCounts(stored, id);
    expect(counts[subjects.incident('opened', ERRING)]).toBe(1);
    expect(counts[subjects.escalation(1, 'partial_failure', ERRING)]).toBe(1);
    expect(counts[subjects.escalation(2, 'partial_failure', ERRING)]).toBe(1);
    // The service itself never stopped: no service_failure was opened for it.
    expect(stored.filter((m) => incidentData(m)?.hostId === ERRING && incidentData(m)?.class === 'service_failure').map((m) => m.subject)).toEqual([]);
  });
});
