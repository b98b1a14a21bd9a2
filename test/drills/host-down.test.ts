import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { canRunNetnsTests } from '../helpers/netns.js';
import { SSH_BANNER } from '../helpers/ssh-banner.js';
import { tempDir } from '../helpers/temp-dir.js';
import {
  classificationGoalMs,
  Drill,
  duplicateIds,
  figuresOf,
  incidentData,
  recordFigures,
  subjectCounts,
  subjects,
  type ProblemClass,
} from './kit.js';

/**
 * Drills 1-3 of the server-down runbook on one fleet of namespaces, each with an agent
 * and (most) an SSH-banner server: a host's link is cut, its agent dies, its agent and
 * SSH server die. The coordinator diagnoses from itself and three peers, classifies,
 * opens the incident at level 1, escalates it, and resolves it once the host is back.
 * Then the SSH step against what hosts really serve: a host with no SSH on port 22 but a
 * service port, and a host whose agent declares SSH on port 2222.
 */
const PEERS = ['peer-1', 'peer-2'];
const NET = 'net-1';
const AGT = 'agt-1';
const HW = 'hw-1';
/** No SSH server at all; a service declaring port 8080 serves on every address. */
const NOSSH = 'nossh-1';
/** SSH on 22 and a service on 8080; its agent and SSH server are frozen (SIGSTOP): a stuck userland, the kernel still up. */
const HUNG = 'hung-1';
/** SSH on 2222 only; its agent says so with --ssh-port 2222. */
const SSH2222 = 'ssh2222-1';
const SERVICE_PORT = 8080;

/** The level 2 action requests each class gets (`response/level-action-table.ts`). */
const LEVEL2_REQUESTS: Record<ProblemClass, readonly ('reboot' | 'failover')[]> = {
  network_issue: ['reboot', 'failover'],
  server_hardware_issue: ['reboot', 'failover'],
  agent_failure: [],
  service_failure: [],
  partial_failure: [],
  observer_partition: [],
};

interface Diagnosis {
  durationMs: number;
  target: { sshPort: number | null; sshPortFrom: string };
  findings: string[];
  verdict: { outcome: { class: string; confidence: number }; path: { node: string; finding: string; result: string; next: string }[] };
  /** Probe results in their wire form (flat: transmitted, received, banner, error text). */
  vantages: { vantage: string; kind: string; healthy: boolean; ping?: { ok: boolean; transmitted: number; received: number }; ssh?: { ok: boolean; banner: string; error: string } }[];
}

/** An agent config declaring one process service that listens on SERVICE_PORT on all addresses. */
function serviceConfig(): string {
  const file = join(tempDir('agent-config-nossh'), 'agent.yaml');
  // A probe that connects and hangs up resets the socket: the error must not end the service.
  const script = `require('node:net').createServer((s) => { s.on('error', () => {}); s.end('ok\\n'); }).listen(${SERVICE_PORT}, '0.0.0.0')`;
  // JSON is YAML.
  writeFileSync(file, `${JSON.stringify({ services: [{ name: 'web', manager: 'process', command: [process.execPath, '-e', script], ports: [SERVICE_PORT] }] }, null, 2)}\n`);
  return file;
}

describe.skipIf(!canRunNetnsTests())('drills - a host goes down', () => {
  let d: Drill;
  dumpLogsOnFailure();

  beforeAll(async () => {
    d = await Drill.start({
      tag: 'hd',
      coordinatorId: 'drill-hd',
      hosts: [
        ...[...PEERS, NET, AGT, HW].map((id) => ({ id })),
        { id: HUNG, agentArgs: ['--config', serviceConfig()] },
        { id: NOSSH, ssh: false, agentArgs: ['--config', serviceConfig()] },
        { id: SSH2222, sshPort: 2222, agentArgs: ['--ssh-port', '2222'] },
      ],
    });
  }, 60_000);
  afterAll(() => d?.teardown());

  /**
   * Waits for the incident of `host` opened after `faultAt`, checks its class and
   * confidence, its level 1 page, then its level 2 page one escalation time later.
   */
  async function classifiedAndEscalated(host: string, cls: ProblemClass, confidence: number, faultAt: number, goalMs: number) {
    const silent = await d.waitEvent(subjects.silent(host), { since: faultAt, timeoutMs: 5000 });
    const opened = await d.waitEvent(subjects.incident('opened', host), { since: faultAt, timeoutMs: goalMs + 5000 });
    const data = incidentData(opened)!;
    expect(data).toMatchObject({ class: cls, confidence, level: 1, state: 'open', hostId: host, service: null, parentId: null, silenced: false });
    expect(opened.receivedAt - faultAt, `fault → classified incident on NATS (goal ${goalMs} ms)`).toBeLessThanOrEqual(goalMs);
    const id = data.incidentId;
    const l1 = await d.waitEvent(subjects.escalation(1, cls, host), { since: faultAt, timeoutMs: 2000, pred: (x) => x?.incidentId === id });
    expect(incidentData(l1)).toMatchObject({ level: 1, class: cls });

    const escMs = d.escalationMs(cls);
    const l2 = await d.waitEvent(subjects.escalation(2, cls, host), { since: opened.receivedAt, timeoutMs: escMs + 5000, pred: (x) => x?.incidentId === id });
    const openToL2 = l2.receivedAt - opened.receivedAt;
    // The deadline runs from the opening inside the coordinator, a few ms before its event arrived here.
    expect(openToL2, 'opened → level 2').toBeGreaterThanOrEqual(escMs - 250);
    expect(openToL2, 'opened → level 2').toBeLessThanOrEqual(escMs + 1500);
    expect(incidentData(l2)).toMatchObject({ level: 2, class: cls, incidentId: id });
    // Level 2 asks external automation to reboot and fail over a host that is down; not
    // one whose only fault is its missing agent (the level action table).
    for (const action of LEVEL2_REQUESTS[cls]) {
      await d.waitEvent(subjects.action(action, host), { since: opened.receivedAt, timeoutMs: 2000, pred: (x) => x?.incidentId === id });
    }
    return { silent, opened, id, l2 };
  }

  /** Once the host is back, the incident resolves after the settle window; every event of it is in the stream once. */
  async function resolvedOnce(host: string, cls: ProblemClass, id: string, since: number) {
    const resolved = await d.waitEvent(subjects.incident('resolved', host), { since, timeoutMs: 30_000, pred: (x) => x?.incidentId === id });
    expect(incidentData(resolved)).toMatchObject({ state: 'resolved' });
    const detail = await d.incident(id);
    expect(detail.state).toBe('resolved');
    expect(detail.resolvedBy).toBe('vigil');
    const stored = await d.stream();
    expect(duplicateIds(stored)).toEqual([]);
    const counts = subjectCounts(stored, id);
    expect(counts[subjects.incident('opened', host)]).toBe(1);
    expect(counts[subjects.escalation(1, cls, host)]).toBe(1);
    expect(counts[subjects.escalation(2, cls, host)]).toBe(1);
    for (const action of ['reboot', 'failover'] as const) {
      expect(counts[subjects.action(action, host)] ?? 0, `${action} requests`).toBe(LEVEL2_REQUESTS[cls].includes(action) ? 1 : 0);
    }
    expect(counts[subjects.incident('resolved', host)]).toBe(1);
    // Level 3 may come before the host is back (one more escalation time); never twice, never after the resolve.
    expect(counts[subjects.escalation(3, cls, host)] ?? 0).toBeLessThanOrEqual(1);
    const late = d.eventsOf(id).filter((e) => e.receivedAt > resolved.receivedAt && e.subject.startsWith('vigil.v1.escalation.'));
    expect(late.map((e) => e.subject)).toEqual([]);
    // One incident per outage: nothing else was opened for this host since the fault.
    const others = stored.filter((m) => m.subject === subjects.incident('opened', host) && incidentData(m)?.incidentId !== id);
    expect(others.map((m) => incidentData(m)?.incidentId), 'other incidents opened for the host').toEqual([]);
    return resolved;
  }

  it('healthy - a live host is judged healthy from the coordinator and three peers in well under a second', async () => {
    const { diagnosis } = await d.api.post<{ diagnosis: Diagnosis }>(`/v1/hosts/${PEERS[0]}/diagnose`);
    expect(diagnosis.verdict.outcome.class).toBe('healthy');
    expect(diagnosis.vantages.map((v) => v.kind).sort()).toEqual(['coordinator', 'peer', 'peer', 'peer']);
    for (const v of diagnosis.vantages) {
      expect(v.healthy, JSON.stringify(v)).toBe(true);
      expect(v.ping?.ok, JSON.stringify(v)).toBe(true);
      expect(v.ping).toMatchObject({ transmitted: 4, received: 4 });
      expect(v.ssh?.banner).toBe(SSH_BANNER);
    }
    console.log(`[measure] healthy_host_diagnosis=${diagnosis.durationMs} ms`);
    expect(diagnosis.durationMs).toBeLessThan(1000);
  });

  it('drill 1 - a cut link is a network_issue (0.9) that escalates to level 2 after the network escalation time', async () => {
    const h = d.host(NET);
    // Ping fails at once, but the SSH probe to the cut host runs until its timeout (or
    // until the kernel gives up on the neighbour) before the diagnosis is complete.
    const goalMs = classificationGoalMs(d, true);
    const faultAt = performance.now();
    await d.net.cutHost(h.net);
    const { opened, id, l2 } = await classifiedAndEscalated(NET, 'network_issue', 0.9, faultAt, goalMs);

    const inc = await d.incident(id);
    expect(inc.diagnosis?.path?.map((s) => [s.node, s.result, s.next])).toEqual([['network_connectivity', 'unreachable', 'network_issue']]);
    expect(inc.diagnosis?.path?.[0]?.finding).toMatch(/^ping: 0\/4 vantages answered/);
    expect(inc.diagnosis?.next).toBe('network_diagnosis');
    expect(inc.diagnosis?.facts).toMatchObject({ ping_ok: false, agent_connected: false });
    const vantages = inc.diagnosis?.vantages ?? [];
    expect(vantages.map((v) => v.kind).sort()).toEqual(['coordinator', 'peer', 'peer', 'peer']);
    for (const v of vantages) expect(v.ping?.ok, JSON.stringify(v)).toBe(false);

    await d.net.restoreHost(h.net);
    await d.waitStates({ [NET]: 'online' }, 30_000);
    const resolved = await resolvedOnce(NET, 'network_issue', id, l2.receivedAt);
    recordFigures(figuresOf(d, { drill: '1', title: 'link cut → network_issue', faultAt, host: NET, incidentId: id, goalMs }));
    console.log(`[measure] drill1_opened_to_resolved=${Math.round(resolved.receivedAt - opened.receivedAt)} ms`);
  });

  it('drill 2 - the agent is killed while SSH still answers: agent_failure (0.9)', async () => {
    const goalMs = classificationGoalMs(d, false);
    const faultAt = await d.killAgent(AGT);
    const { id, l2 } = await classifiedAndEscalated(AGT, 'agent_failure', 0.9, faultAt, goalMs);

    const inc = await d.incident(id);
    expect(inc.diagnosis?.path?.map((s) => [s.node, s.result, s.next])).toEqual([
      ['network_connectivity', 'reachable', 'agent_stream'],
      ['agent_stream', 'disconnected', 'ssh_connectivity'],
      ['ssh_connectivity', 'answered', 'agent_failure'],
    ]);
    expect(inc.diagnosis?.findings).toContain('ssh: port 22 (fleet setting): banner at 4/4');
    expect(inc.diagnosis?.facts).toMatchObject({ ping_ok: true, ssh_ok: true, agent_connected: false });
    for (const v of inc.diagnosis?.vantages ?? []) expect(v.ssh?.ok, JSON.stringify(v)).toBe(true);

    d.startAgent(AGT);
    await d.waitStates({ [AGT]: 'online' }, 15_000);
    await resolvedOnce(AGT, 'agent_failure', id, l2.receivedAt);
    recordFigures(figuresOf(d, { drill: '2', title: 'agent killed, SSH up → agent_failure', faultAt, host: AGT, incidentId: id, goalMs }));
  });

  it('drill 3 - agent and SSH server killed, interface up: server_hardware_issue (0.85)', async () => {
    const goalMs = classificationGoalMs(d, false);
    await d.killSsh(HW);
    const faultAt = await d.killAgent(HW);
    const { id, l2 } = await classifiedAndEscalated(HW, 'server_hardware_issue', 0.85, faultAt, goalMs);

    const inc = await d.incident(id);
    expect(inc.diagnosis?.path?.map((s) => [s.node, s.result, s.next])).toEqual([
      ['network_connectivity', 'reachable', 'agent_stream'],
      ['agent_stream', 'disconnected', 'ssh_connectivity'],
      ['ssh_connectivity', 'failed', 'ssh_failure_mode'],
      ['ssh_failure_mode', 'not reachable', 'service_ports_after_ssh_failure'],
      ['service_ports_after_ssh_failure', 'none declared', 'server_hardware_issue'],
    ]);
    expect(inc.diagnosis?.next).toBe('server_hardware_check');
    expect(inc.diagnosis?.facts).toMatchObject({ ping_ok: true, ssh_ok: false });
    for (const v of inc.diagnosis?.vantages ?? []) {
      expect(v.ping?.ok, JSON.stringify(v)).toBe(true);
      expect(v.ssh?.error, JSON.stringify(v)).toMatch(/^refused\b/);
    }

    await d.startSsh(HW);
    d.startAgent(HW);
    await d.waitStates({ [HW]: 'online' }, 15_000);
    await resolvedOnce(HW, 'server_hardware_issue', id, l2.receivedAt);
    recordFigures(figuresOf(d, { drill: '3', title: 'agent + SSH killed, link up → server_hardware_issue', faultAt, host: HW, incidentId: id, goalMs }));
  });

  it('drill 3b - a frozen userland (agent and SSH server stopped, kernel up): SSH connects but never speaks → server_hardware_issue (0.85), though its service port accepts connections', async () => {
    const goalMs = classificationGoalMs(d, true);
    const h = d.host(HUNG);
    const faultAt = performance.now();
    h.ssh!.signal('SIGSTOP');
    h.agent!.child.signal('SIGSTOP');
    try {
      const opened = await d.waitEvent(subjects.incident('opened', HUNG), { since: faultAt, timeoutMs: goalMs + 5000 });
      expect(incidentData(opened)).toMatchObject({ class: 'server_hardware_issue', confidence: 0.85, hostId: HUNG });
      expect(opened.receivedAt - faultAt, `fault → classified incident on NATS (goal ${goalMs} ms)`).toBeLessThanOrEqual(goalMs);
      const inc = await d.incident(incidentData(opened)!.incidentId);
      expect(inc.diagnosis?.path?.map((s) => [s.node, s.result])).toEqual([
        ['network_connectivity', 'reachable'],
        ['agent_stream', 'disconnected'],
        ['ssh_connectivity', 'failed'],
        ['ssh_failure_mode', 'connected, no banner'],
      ]);
      const findings = inc.diagnosis?.findings ?? [];
      expect(findings).toContain('ssh: port 22 (fleet setting): banner at 0/4, no_banner at 4/4');
      expect(findings).toContain(`service ports: web:${SERVICE_PORT} answered at 4/4`);
      expect(findings.find((f) => f.startsWith('agent: '))).toMatch(/^agent: heartbeats stopped [\d.]+ s ago on an open stream/);
      recordFigures(figuresOf(d, { drill: '3b', title: 'userland frozen, kernel up → server_hardware_issue', faultAt, host: HUNG, incidentId: incidentData(opened)!.incidentId, goalMs }));
    } finally {
      h.agent!.child.signal('SIGCONT');
      h.ssh!.signal('SIGCONT');
    }
    // Thawed, the agent heartbeats on its open stream again: the host is back before the next drills.
    await d.waitStates({ [HUNG]: 'online' }, 15_000);
  });

  it('no SSH - a healthy host with nothing on port 22 and its agent connected is judged healthy, never hardware', async () => {
    const { diagnosis } = await d.api.post<{ diagnosis: Diagnosis }>(`/v1/hosts/${NOSSH}/diagnose`);
    for (const v of diagnosis.vantages) expect(v.ssh?.error, JSON.stringify(v)).toMatch(/^refused\b/);
    expect(diagnosis.verdict.outcome.class).toBe('healthy');
    expect(diagnosis.verdict.path.map((s) => [s.node, s.result])).toEqual([
      ['network_connectivity', 'reachable'],
      ['agent_stream', 'connected'],
      ['service_status_check', 'not reported'],
      ['error_rate_check', 'not measured'],
    ]);
    expect(diagnosis.findings).toEqual(expect.arrayContaining(['ping: 4/4 vantages answered', 'ssh: port 22 (fleet setting): banner at 0/4, refused at 4/4', `service ports: web:${SERVICE_PORT} answered at 4/4`]));
    console.log(`[measure] nossh_healthy_diagnosis=${diagnosis.durationMs} ms`);
  });

  it('no SSH - its agent killed while its service port answers: agent_failure (0.7), not hardware', async () => {
    const goalMs = classificationGoalMs(d, false);
    const faultAt = await d.killAgent(NOSSH);
    const opened = await d.waitEvent(subjects.incident('opened', NOSSH), { since: faultAt, timeoutMs: goalMs + 5000 });
    expect(incidentData(opened)).toMatchObject({ class: 'agent_failure', confidence: 0.7, level: 1, hostId: NOSSH });
    expect(opened.receivedAt - faultAt, `fault → classified incident on NATS (goal ${goalMs} ms)`).toBeLessThanOrEqual(goalMs);
    const inc = await d.incident(incidentData(opened)!.incidentId);
    expect(inc.diagnosis?.path?.map((s) => [s.node, s.result, s.next])).toEqual([
      ['network_connectivity', 'reachable', 'agent_stream'],
      ['agent_stream', 'disconnected', 'ssh_connectivity'],
      ['ssh_connectivity', 'failed', 'ssh_failure_mode'],
      ['ssh_failure_mode', 'not reachable', 'service_ports_after_ssh_failure'],
      ['service_ports_after_ssh_failure', 'answered', 'agent_failure'],
    ]);
    const findings = inc.diagnosis?.findings ?? [];
    expect(findings).toContain('ping: 4/4 vantages answered');
    expect(findings).toContain('ssh: port 22 (fleet setting): banner at 0/4, refused at 4/4');
    expect(findings).toContain(`service ports: web:${SERVICE_PORT} answered at 4/4`);
    expect(findings.find((f) => f.startsWith('agent: '))).toMatch(/^agent: stream closed \d+\.\d s ago \(.*\), no reconnect$/);
    expect(inc.timeline.map((t) => t.summary).join('\n')).toMatch(/SSH on port 22 could not be reached but a declared service port answered/);
    // No hardware incident was opened for the host, before or after.
    const stored = await d.stream();
    expect(stored.filter((m) => m.subject === subjects.incident('opened', NOSSH)).map((m) => incidentData(m)?.class)).toEqual(['agent_failure']);
    recordFigures(figuresOf(d, { drill: '2b', title: 'agent killed, no SSH on 22, service port up → agent_failure 0.7', faultAt, host: NOSSH, incidentId: incidentData(opened)!.incidentId, goalMs }));
  });

  it('ssh on 2222 - a host whose agent declares sshPort 2222 is judged by SSH on 2222, also once its agent is gone', async () => {
    const { diagnosis } = await d.api.post<{ diagnosis: Diagnosis }>(`/v1/hosts/${SSH2222}/diagnose`);
    expect(diagnosis.target).toMatchObject({ sshPort: 2222, sshPortFrom: 'agent' });
    for (const v of diagnosis.vantages) expect(v.ssh?.banner, JSON.stringify(v)).toBe(SSH_BANNER);
    expect(diagnosis.findings).toContain('ssh: port 2222 (agent setting): banner at 4/4');
    expect(diagnosis.verdict.outcome.class).toBe('healthy');

    const goalMs = classificationGoalMs(d, false);
    const faultAt = await d.killAgent(SSH2222);
    const opened = await d.waitEvent(subjects.incident('opened', SSH2222), { since: faultAt, timeoutMs: goalMs + 5000 });
    expect(incidentData(opened)).toMatchObject({ class: 'agent_failure', confidence: 0.9, hostId: SSH2222 });
    const inc = await d.incident(incidentData(opened)!.incidentId);
    expect(inc.diagnosis?.path?.at(-1)).toMatchObject({ node: 'ssh_connectivity', result: 'answered', finding: 'ssh: port 2222 (agent setting): banner at 4/4' });
  });
});
