import { afterAll, describe, expect, it } from 'vitest';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { readStream } from '../helpers/nats-watch.js';
import { sleep, waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { killServiceLeftovers } from '../helpers/services.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { checkAgentEvents, checkIncidentsKept, checkOutbox, checkSilences } from './invariants.js';
import { chaosSettings, makePlan, type Fault } from './plan.js';
import { ChaosRig } from './rig.js';
import { readStore, type StoreSnapshot } from './store-read.js';

/**
 * Chaos: a seeded plan of SIGKILLs of the coordinator, nats-server, agents and their
 * watched services, each killed process started again on the same port and data dir.
 * Once everything is back, the store, the stream and the agents' journals must agree:
 * (a) every event the outbox committed is in the stream once, (b) every event an agent
 * journaled is stored by the coordinator once, (c) no host was reported silent while its
 * agent ran, (d) no incident open before a coordinator kill was lost, and nothing crashed.
 *
 *   VIGIL_CHAOS_SEED=123 VIGIL_CHAOS_ROUNDS=40 pnpm exec vitest run test/chaos/chaos.test.ts
 *   VIGIL_CHAOS_DURATION=10m pnpm exec vitest run test/chaos/chaos.test.ts
 */
const settings = chaosSettings(process.env);
const HOSTS = ['chaos-1', 'chaos-2', 'chaos-3'];
const plan = makePlan({ seed: settings.seed, hosts: HOSTS, rounds: settings.rounds, durationMs: settings.durationMs });
const planMs = plan.at(-1)?.atMs ?? 0;
const replay = `VIGIL_CHAOS_SEED=${settings.seed} ${settings.durationMs ? `VIGIL_CHAOS_DURATION=${process.env.VIGIL_CHAOS_DURATION}` : `VIGIL_CHAOS_ROUNDS=${settings.rounds}`}`;

/** A silence this long after an agent was started again is still its downtime's (start-up, connect, Hello). */
const GRACE_MS = 5000;
/** A host incident opens this long at most after the silence that caused it (diagnosis: ping, SSH, peers). */
const DIAGNOSIS_MS = 60_000;

/** The run in time order (faults; with the store, host transitions and incidents; the stream's subjects). */
function printTimeline(r: ChaosRig, store?: StoreSnapshot, stream?: { subject: string }[]): void {
  const lines = [
    ...r.executed.map((e) => ({
      at: e.killedAt,
      text: `fault ${e.fault.kind}${'host' in e.fault ? ` ${e.fault.host}` : ''}${'downMs' in e.fault ? ` down ${e.fault.downMs} ms` : ''}${e.restartedAt ? ` back after ${e.restartedAt - e.killedAt} ms` : ''}${e.skipped ? ` skipped: ${e.skipped}` : ''}`,
    })),
    ...(store?.transitions ?? []).map((t) => ({ at: t.at, text: `host ${t.hostId} ${t.from ?? '-'} → ${t.to} (${t.reason})` })),
    ...(store?.incidents ?? []).map((i) => ({ at: i.openedAt, text: `incident ${i.id} ${i.class} ${i.hostId}${i.service ? `/${i.service}` : ''} ${i.state}` })),
  ].sort((a, b) => a.at - b.at);
  console.log(lines.map((l) => `[chaos] ${new Date(l.at).toISOString()} ${l.text}`).join('\n'));
  if (stream) console.log(`[chaos] stream: ${stream.map((m) => m.subject).join(' ')}`);
}

/** `median/max (n)` of a list of ms, or `-` when empty. */
function describeSpread(ms: number[]): string {
  if (ms.length === 0) return '-';
  const s = [...ms].sort((a, b) => a - b).map(Math.round);
  return `${s[Math.floor(s.length / 2)]}/${s.at(-1)}(n=${s.length})`;
}

function chainKey(f: Fault): string {
  return f.kind === 'agent' || f.kind === 'service' ? `${f.kind}:${f.host}` : f.kind;
}

describe('chaos', () => {
  let rig: ChaosRig | undefined;
  dumpLogsOnFailure();
  afterAll(async () => {
    try {
      await rig?.stop();
    } finally {
      await stopAllChildren();
      killServiceLeftovers();
      removeTempDirs();
    }
  }, 60_000);

  it(`chaos - seeded SIGKILLs of coordinator, nats-server, agents and services lose, duplicate and falsely silence nothing (${replay})`, { timeout: planMs + 180_000 }, async () => {
    console.log(`[chaos] seed=${settings.seed}${settings.seedGiven ? ' (given)' : ''} faults planned=${plan.length} over ${Math.round(planMs / 1000)} s; replay with ${replay}`);
    rig = await ChaosRig.start(HOSTS);
    const r = rig;
    await r.settle(Date.now(), 30_000);

    // The loop: each fault at its planned time; faults on one process wait for each other,
    // faults on different processes overlap.
    const loopStart = performance.now();
    const chains = new Map<string, Promise<void>>();
    const failures: unknown[] = [];
    for (const f of plan) {
      await sleep(Math.max(0, loopStart + f.atMs - performance.now()));
      const key = chainKey(f);
      chains.set(key, (chains.get(key) ?? Promise.resolve()).then(() => r.execute(f)).catch((err: unknown) => void failures.push(err)));
    }
    await Promise.all(chains.values());
    if (failures.length > 0) {
      if (process.env.VIGIL_CHAOS_LOG) printTimeline(r);
      throw failures[0];
    }
    const loopMs = performance.now() - loopStart;
    const lastFaultWall = Date.now();

    const settleStart = performance.now();
    await r.settle(lastFaultWall, 60_000);

    // Drained: the outbox published, every journaled event stored, the journals steady.
    const journal = (host: string) => ({ seen: r.journals.seen.get(host) ?? new Map(), highest: r.journals.highest(host) });
    r.stopSampling();
    const drain = async (): Promise<StoreSnapshot | undefined> => {
      r.journals.sample();
      const before = HOSTS.map((h) => r.journals.highest(h)).join();
      const store = readStore(r.coordinator.dataDir);
      r.journals.sample();
      if (HOSTS.map((h) => r.journals.highest(h)).join() !== before) return undefined;
      const v = checkAgentEvents(HOSTS, journal, store.agentEvents);
      return store.outbox.every((o) => o.published) && v.lost.length === 0 && v.beyond.length === 0 ? store : undefined;
    };
    const drained = await waitFor(drain, { timeoutMs: 30_000, intervalMs: 250, what: 'the outbox and the journals to drain' }).catch(() => undefined);
    const settleMs = performance.now() - settleStart;
    const store = drained ?? readStore(r.coordinator.dataDir);
    const stream = (await readStream(r.nats.url)).map((m) => ({ eventId: m.event?.id, msgId: m.msgId, subject: m.subject }));
    const after = readStore(r.coordinator.dataDir);

    const outbox = checkOutbox(store.outbox, stream, after.outbox);
    const agentEvents = checkAgentEvents(HOSTS, journal, store.agentEvents);
    const silences = checkSilences(HOSTS, after.transitions, after.incidents, r.downtimes, { graceMs: GRACE_MS, diagnosisMs: DIAGNOSIS_MS });
    const incidentsLost = [...r.incidentsMissingAfterRestart, ...checkIncidentsKept(r.incidentsBeforeKills, after.incidents)];

    const n = r.counts();
    const faults = n.coordinator + n.nats + n.agent + n.service;
    const agentStored = HOSTS.reduce((s, h) => s + r.journals.highest(h), 0);
    const lost = outbox.lost.length + agentEvents.lost.length;
    const duplicated = outbox.duplicated.length + agentEvents.duplicated.length;
    const falseSilent = silences.falseSilent.length + silences.falseHostIncidents.length;
    console.log(
      `[measure] chaos seed=${settings.seed} rounds=${plan.length} faults=${faults} (coordinator ${n.coordinator}, nats ${n.nats}, agents ${n.agent}, services ${n.service}) ` +
        `events=${stream.length + agentStored} lost=${lost} duplicated=${duplicated} false_silent=${falseSilent} crashes=${r.crashes.length}`,
    );
    console.log(
      `[measure] chaos_detail stream_events=${stream.length} agent_events=${agentStored} incidents=${after.incidents.length} incidents_open_at_kills=${r.incidentsBeforeKills.reduce((s, b) => s + b.ids.length, 0)} ` +
        `suspects=${after.transitions.filter((t) => t.to === 'suspect').length} silences=${after.transitions.filter((t) => t.to === 'silent').length} skipped_service_kills=${r.executed.filter((e) => e.skipped).length} coordinator_start_ms=${describeSpread(r.coordinatorStartMs)} reconnect_ms=${describeSpread(r.reconnectMs)} loop_ms=${Math.round(loopMs)} settle_ms=${Math.round(settleMs)}`,
    );

    if (process.env.VIGIL_CHAOS_LOG) printTimeline(r, after, stream);

    const breaches = {
      outboxLost: outbox.lost,
      outboxDuplicated: outbox.duplicated,
      outboxPhantom: outbox.phantom,
      outboxPending: outbox.pending,
      agentEventsLost: agentEvents.lost,
      agentEventsDuplicated: agentEvents.duplicated,
      agentEventsMismatched: agentEvents.mismatched,
      agentEventsBeyondJournal: agentEvents.beyond,
      agentJournals: agentEvents.extraJournals,
      journalSeqReused: r.journals.conflicts,
      falseSilent: silences.falseSilent,
      falseHostIncidents: silences.falseHostIncidents,
      incidentsLost,
      crashes: r.crashes.map((c) => `${c.name} pid ${c.pid} ${c.exit}\n${c.output}`),
    };
    const found = Object.entries(breaches).filter(([, v]) => v.length > 0);
    expect(Object.fromEntries(found), `chaos breaches (replay with ${replay})`).toEqual({});
    // The run did what it says: faults of every kind, events on both paths.
    expect(faults).toBeGreaterThanOrEqual(Math.min(plan.length, 4));
    expect(stream.length).toBeGreaterThan(0);
    expect(agentStored).toBeGreaterThan(0);
  });
});
