import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { getRaw } from '../helpers/http.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { describeEvents, fixture, killServiceLeftovers, probeService, startServiceAgent, type ServiceAgent, type ServiceDecl } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * The agent's event journal against a real coordinator, both real processes.
 *
 * A host's agent loses its data dir (a reinstall, a wiped disk) and starts a new event
 * journal, numbered from 1 again, while the coordinator remembers a higher number for the
 * host. The new journal has a new epoch: the coordinator answers it with 0 and stores
 * every one of its events, instead of taking them for replays of the old ones.
 */
describe('agent events - a lost data dir and a damaged journal', () => {
  let coordinator: Coordinator;
  let port: number;
  let services: ServiceDecl[];
  const agents: ServiceAgent[] = [];
  dumpLogsOnFailure();

  beforeAll(async () => {
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn' });
    port = await freePort();
    services = [
      {
        name: 'web',
        manager: 'process',
        command: [process.execPath, fixture.httpServer],
        env: { PORT: String(port) },
        checks: [{ type: 'http', url: `http://127.0.0.1:${port}/` }],
        recovery: { watchAfterRestart: '500ms', stableAfterStart: '200ms', monitorEvery: '200ms', monitorFor: '400ms' },
      },
    ];
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    killServiceLeftovers();
    removeTempDirs();
  });

  const start = (hostId = 'lost-data-dir', dataDir?: string) => {
    const a = startServiceAgent(coordinator.baseUrl, { coordinator: coordinator.grpcTarget, hostId, logLevel: 'warn', services, ...(dataDir ? { dataDir } : {}) });
    agents.push(a);
    return a;
  };
  const epochOf = (a: ServiceAgent) => readFileSync(join(a.agent.dataDir, 'events', 'events.epoch'), 'utf8').trim();
  /** Kills the service until the agent's journal holds at least `n` events, each recovery and its watch finished. */
  let killed = 0;
  async function recoverUntil(a: ServiceAgent, n: number): Promise<void> {
    while (a.journal().length < n) {
      // The service's own answer names its PID: a heartbeat may still show the one killed last.
      const pid = await waitFor(async () => {
        const r = await probeService(port, 300).catch(() => undefined);
        return r?.status === 200 && r.pid !== undefined && r.pid !== killed ? r.pid : undefined;
      }, { timeoutMs: 15_000, what: 'the service serving from a new process' });
      killed = pid;
      // The recovery's last event is the end of the watch after it: then its events are all journaled.
      const before = a.journal().filter((e) => e.type === 'monitoring_ended').length;
      process.kill(pid, 'SIGKILL');
      await waitFor(() => a.journal().filter((e) => e.type === 'monitoring_ended').length > before, {
        timeoutMs: 15_000,
        what: 'the recovery and the watch after it to end',
        observe: () => a.journal().map((e) => e.type),
      });
    }
    await a.waitHealthy('web');
  }
  /** The coordinator's events of one epoch, by sequence number. */
  const stored = async (a: ServiceAgent, epoch: string) =>
    (await a.detail()).events.filter((e) => e.epoch === epoch && e.type !== 'event_gap').sort((x, y) => x.eventSeq - y.eventSeq);

  it('agent events - a new journal numbered from 1 after the coordinator stored more is stored in full', { timeout: 90_000 }, async () => {
    const first = start();
    await recoverUntil(first, 20);
    const oldEpoch = epochOf(first);
    const oldJournal = first.journal();
    await waitFor(async () => (await stored(first, oldEpoch)).length >= oldJournal.length, { timeoutMs: 10_000, what: 'the first journal stored' });
    const oldLast = Math.max(...(await stored(first, oldEpoch)).map((e) => e.eventSeq));
    expect(oldLast).toBeGreaterThanOrEqual(20);
    expect(await first.stop()).toMatchObject({ code: 0 });

    // The same host, a new empty data dir.
    const second = start();
    expect(second.agent.dataDir).not.toBe(first.agent.dataDir);
    await second.waitHealthy('web');
    await recoverUntil(second, 3);
    const newEpoch = epochOf(second);
    expect(newEpoch).not.toBe(oldEpoch);
    const journal = second.journal();
    expect(journal[0]!.eventSeq).toBe(1);
    expect(journal.at(-1)!.eventSeq).toBeLessThan(oldLast); // the numbers the old journal already used
    const events = await waitFor(
      async () => {
        const es = await stored(second, newEpoch);
        return es.length >= journal.length ? es : undefined;
      },
      { timeoutMs: 10_000, what: 'every event of the new journal stored', observe: async () => describeEvents(await stored(second, newEpoch)) },
    );
    expect(events.map((e) => [e.eventSeq, e.type, e.atMs])).toEqual(journal.map((e) => [e.eventSeq, e.type, e.atMs]));
    // The old epoch's events are still there, untouched, and nothing was taken for a gap.
    expect((await stored(second, oldEpoch)).length).toBe(oldJournal.length);
    expect((await second.detail()).events.filter((e) => e.type === 'event_gap')).toEqual([]);
    console.log(`[observe] old epoch: ${oldJournal.length} events (last ${oldLast}); new epoch: ${events.length} events 1..${journal.at(-1)!.eventSeq}, all stored`);
  });

  it('agent events - a damaged line in the middle of the journal reaches the coordinator as event_lost, counted', { timeout: 60_000 }, async () => {
    for (const prev of agents) await prev.stop(); // the service and its port go with its agent
    const dataDir = tempDir('agent-damaged-journal');
    mkdirSync(join(dataDir, 'events'), { recursive: true, mode: 0o700 });
    const line = (eventSeq: number) => JSON.stringify({ eventSeq, atMs: Date.now() - 60_000 + eventSeq, service: 'web', type: 'status_changed', step: '', detail: `journaled ${eventSeq}`, cause: '', requestId: '' });
    writeFileSync(join(dataDir, 'events', 'events.epoch'), 'damaged-journal-epoch\n');
    writeFileSync(join(dataDir, 'events', 'events.jsonl'), `${line(1)}\n{"eventSeq":2,"atMs":\u0000\u0000\u0000\n${line(3)}\n`);
    const a = start('damaged-journal', dataDir);
    const events = await waitFor(
      async () => {
        const es = await stored(a, 'damaged-journal-epoch');
        return es.length >= 3 ? es : undefined;
      },
      { timeoutMs: 15_000, what: 'the journal replayed to the coordinator', observe: async () => `${describeEvents(await stored(a, 'damaged-journal-epoch'))}\n${a.agent.output()}` },
    );
    // The agent's own events (its service starting) follow from 4.
    expect(events.slice(0, 3).map((e) => [e.eventSeq, e.type])).toEqual([
      [1, 'status_changed'],
      [2, 'event_lost'],
      [3, 'status_changed'],
    ]);
    expect(events[1]!.detail).toBe(`event 2 is lost: the agent's journal ${join(dataDir, 'events', 'events.jsonl')} had damaged line 2 where it was`);
    const metrics = (await getRaw(`${coordinator.baseUrl}/metrics`)).body;
    expect(metrics).toMatch(/vigil_agent_event_gaps_total\{source="agent"\} 1\b/);
    // The agent said so at error, naming the file and line.
    const logged = (l: string) => l.includes('"level":50') && l.includes('event journal line damaged') && l.includes('events.jsonl line 2');
    await waitFor(() => a.agent.output().split('\n').some(logged), { timeoutMs: 5000, what: 'the error line in the agent log', observe: () => a.agent.output() });
  });
});
