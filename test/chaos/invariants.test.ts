import { describe, expect, it } from 'vitest';
import { checkAgentEvents, checkIncidentsKept, checkOutbox, checkSilences, type Downtime } from './invariants.js';
import { parseAck, parseJournal, type JournaledEvent } from './journal-read.js';
import { chaosSettings, countKinds, makePlan } from './plan.js';
import { Prng } from './prng.js';
import type { IncidentRow, StoredAgentEventRow, TransitionRow } from './store-read.js';

/** The chaos run's judges, on made-up data: each must catch what it is there to catch. */

const row = (eventId: string, published = true) => ({ eventId, subject: `vigil.v1.x.${eventId}`, published });
const msg = (eventId: string) => ({ eventId, msgId: eventId, subject: `vigil.v1.x.${eventId}` });

describe('chaos invariants - outbox and stream', () => {
  it('chaos invariants - every committed event once in the stream passes', () => {
    expect(checkOutbox([row('a'), row('b')], [msg('a'), msg('b')])).toEqual({ lost: [], duplicated: [], phantom: [], pending: [] });
  });

  it('chaos invariants - a lost, a doubled, a phantom and a pending event are each named', () => {
    const v = checkOutbox([row('a'), row('b'), row('c', false)], [msg('a'), msg('a'), msg('z'), msg('c')]);
    expect(v.lost).toEqual(['b vigil.v1.x.b']);
    expect(v.duplicated).toEqual(['a ×2']);
    expect(v.phantom).toEqual(['z vigil.v1.x.z']);
    expect(v.pending).toEqual(['c vigil.v1.x.c']);
  });

  it('chaos invariants - coordinator heartbeats and notify receipts in the stream are not outbox events', () => {
    expect(checkOutbox([row('a')], [msg('a'), { ...msg('h'), subject: 'vigil.v1.coordinator.heartbeat.c1' }, { ...msg('r'), subject: 'vigil.v1.notify.delivered.pager' }]).phantom).toEqual([]);
    expect(checkOutbox([row('a')], [msg('a'), { ...msg('h'), subject: 'vigil.v1.coordinatorx.heartbeat.c1' }]).phantom).toEqual(['h vigil.v1.coordinatorx.heartbeat.c1']);
  });

  it('chaos invariants - an event committed after the first read is not a phantom', () => {
    expect(checkOutbox([row('a')], [msg('a'), msg('b')], [row('a'), row('b')]).phantom).toEqual([]);
  });
});

const ev = (eventSeq: number, type = 'status_changed', atMs = 1000 + eventSeq): JournaledEvent => ({ eventSeq, type, atMs });
const stored = (hostId: string, eventSeq: number, extra: Partial<StoredAgentEventRow> = {}): StoredAgentEventRow => ({
  hostId,
  eventSeq,
  type: 'status_changed',
  atMs: 1000 + eventSeq,
  epoch: undefined,
  receivedAt: 5000 + eventSeq,
  ...extra,
});
const journalOf = (events: JournaledEvent[], highest = Math.max(0, ...events.map((e) => e.eventSeq))) => () => ({ seen: new Map(events.map((e) => [e.eventSeq, e])), highest });

describe('chaos invariants - agent events', () => {
  it('chaos invariants - a journal stored whole and once passes', () => {
    const v = checkAgentEvents(['h'], journalOf([ev(1), ev(2), ev(3)]), [stored('h', 1), stored('h', 2), stored('h', 3)]);
    expect(v).toEqual({ lost: [], duplicated: [], mismatched: [], beyond: [], extraJournals: [] });
  });

  it('chaos invariants - a gap is lost even when the journal line was compacted away (known from the ack)', () => {
    const v = checkAgentEvents(['h'], journalOf([ev(3)], 3), [stored('h', 1), stored('h', 3)]);
    expect(v.lost).toEqual(['h seq 2']);
  });

  it('chaos invariants - another event under the journal number, and a number the journal never made, are named', () => {
    const v = checkAgentEvents(['h'], journalOf([ev(1), ev(2)]), [stored('h', 1), stored('h', 2, { type: 'recovery_started' }), stored('h', 3)]);
    expect(v.mismatched).toEqual(['h seq 2: journal status_changed@1002, store recovery_started@1002']);
    expect(v.beyond).toEqual(['h seq 3 status_changed (journal ends at 2)']);
  });

  it('chaos invariants - with an epoch column, the current journal counts and a second journal is reported', () => {
    const rows = [stored('h', 1, { epoch: 'old', receivedAt: 1 }), stored('h', 2, { epoch: 'old', receivedAt: 2 }), stored('h', 1, { epoch: 'new', receivedAt: 10 }), stored('h', 1, { epoch: 'new', receivedAt: 11 })];
    const v = checkAgentEvents(['h'], journalOf([ev(1)]), rows);
    expect(v.extraJournals).toEqual(['h: 2 journals (old, new)']);
    expect(v.duplicated).toEqual(['h seq 1 ×2']);
    expect(v.beyond).toEqual([]);
  });
});

describe('chaos invariants - silence', () => {
  const t = (hostId: string, at: number, to = 'silent'): TransitionRow => ({ hostId, from: 'suspect', to, reason: 'r', at });
  const inc = (hostId: string, openedAt: number, service = ''): IncidentRow => ({ id: `i-${hostId}-${openedAt}`, hostId, service, class: 'agent_failure', state: 'open', openedAt });
  const down: Downtime[] = [{ host: 'h', from: 10_000, to: 12_000 }];
  const opts = { graceMs: 5000, diagnosisMs: 60_000 };

  it('chaos invariants - silent while the agent was down, or just after its restart, is rightful', () => {
    expect(checkSilences(['h'], [t('h', 11_000), t('h', 16_500), t('h', 30_000, 'online')], [inc('h', 20_000)], down, opts)).toEqual({ falseSilent: [], falseHostIncidents: [] });
  });

  it('chaos invariants - silent before the kill, long after the restart, or on a host never killed is false', () => {
    const v = checkSilences(['h', 'g'], [t('h', 9_000), t('h', 17_500), t('g', 11_000)], [], down, opts);
    expect(v.falseSilent).toHaveLength(3);
    expect(v.falseSilent[2]).toMatch(/^g silent at .*agent downtimes: none$/);
  });

  it('chaos invariants - a host incident without a rightful silence before it is false; a service incident is not judged', () => {
    const v = checkSilences(['h'], [t('h', 11_000)], [inc('h', 5_000), inc('h', 200_000), inc('h', 5_000, 'web')], down, opts);
    expect(v.falseHostIncidents).toHaveLength(2);
  });

  it('chaos invariants - an agent still down at the end covers every later silence', () => {
    expect(checkSilences(['h'], [t('h', 99_000)], [], [{ host: 'h', from: 50_000, to: undefined }], opts).falseSilent).toEqual([]);
  });
});

describe('chaos invariants - incidents across restarts', () => {
  it('chaos invariants - an incident open before a kill and gone at the end is named', () => {
    const final: IncidentRow[] = [{ id: 'a', hostId: 'h', service: '', class: 'agent_failure', state: 'resolved', openedAt: 1 }];
    expect(checkIncidentsKept([{ killAt: 0, ids: ['a', 'b'] }], final)).toEqual(['b (open before the kill at 1970-01-01T00:00:00.000Z)']);
  });
});

describe('chaos plan', () => {
  it('chaos plan - one seed gives one plan; another seed another', () => {
    const a = makePlan({ seed: 42, hosts: ['x', 'y'], rounds: 30 });
    expect(makePlan({ seed: 42, hosts: ['x', 'y'], rounds: 30 })).toEqual(a);
    expect(makePlan({ seed: 43, hosts: ['x', 'y'], rounds: 30 })).not.toEqual(a);
    expect(a).toHaveLength(30);
  });

  it('chaos plan - every kind is in the first four faults, times only grow, and a duration bounds the plan', () => {
    for (let seed = 0; seed < 50; seed++) {
      const p = makePlan({ seed, hosts: ['x'], rounds: 4 });
      expect(countKinds(p)).toEqual({ coordinator: 1, nats: 1, agent: 1, service: 1 });
      for (let i = 1; i < p.length; i++) expect(p[i]!.atMs).toBeGreaterThan(p[i - 1]!.atMs);
    }
    const long = makePlan({ seed: 7, hosts: ['x'], rounds: 1, durationMs: 60_000 });
    expect(long.at(-1)!.atMs).toBeGreaterThanOrEqual(60_000);
    expect(long.at(-2)!.atMs).toBeLessThan(60_000);
  });

  it('chaos plan - settings from the environment, and bad values named with the variable', () => {
    expect(chaosSettings({ VIGIL_CHAOS_SEED: '12', VIGIL_CHAOS_ROUNDS: '40' })).toEqual({ seed: 12, seedGiven: true, rounds: 40, durationMs: undefined });
    expect(chaosSettings({ VIGIL_CHAOS_DURATION: '10m' }).durationMs).toBe(600_000);
    expect(chaosSettings({}).seedGiven).toBe(false);
    expect(() => chaosSettings({ VIGIL_CHAOS_SEED: '-1' })).toThrow('VIGIL_CHAOS_SEED: "-1"');
    expect(() => chaosSettings({ VIGIL_CHAOS_ROUNDS: '0' })).toThrow('VIGIL_CHAOS_ROUNDS: "0"');
    expect(() => chaosSettings({ VIGIL_CHAOS_DURATION: '10' })).toThrow('VIGIL_CHAOS_DURATION: "10"');
    expect(() => new Prng(1.5)).toThrow('seed must be an integer');
  });
});

describe('chaos journal reading', () => {
  it('chaos journal - events are read from their lines; torn and foreign lines are skipped', () => {
    const text = ['{"eventSeq":1,"type":"a","atMs":5,"service":"web"}', '{"epoch":"x"}', '{"eventSeq":2,"type":"b","at', ''].join('\n');
    expect(parseJournal(text)).toEqual([{ eventSeq: 1, type: 'a', atMs: 5 }]);
  });

  it('chaos journal - the ack file as a bare number or a JSON object', () => {
    expect(parseAck('17\n')).toBe(17);
    expect(parseAck('{"epoch":"ab12","seq":9}')).toBe(9);
    expect(parseAck('garbage')).toBe(0);
  });
});
