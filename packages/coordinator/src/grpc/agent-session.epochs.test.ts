import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentMessageIn } from '@vigil/shared';
import type { Coordinator } from '../coordinator.js';
import { helloMessage, startStreamFixture, waitFor, type StreamFixture, type TestStream } from '../test-support/stream-fixture.js';

let fx: StreamFixture;
let coord: Coordinator;
/** Each Hello is a new agent process: an agent restart must not be what makes these pass. */
const hello = (hostId: string, eventEpoch?: string): AgentMessageIn =>
  helloMessage(hostId, { startedAtMs: Date.now() + Math.floor(Math.random() * 1e6), ...(eventEpoch === undefined ? {} : { eventEpoch }) });
const event = (eventSeq: number, detail = `e${eventSeq}`, type = 'status_changed') => ({ event: { eventSeq, atMs: Date.now(), service: 'web', type, step: '', detail, cause: '', requestId: '' } });

async function metric(source: 'sequence' | 'agent'): Promise<number> {
  const text = (await coord.app.inject({ url: '/metrics' })).body;
  const m = new RegExp(`vigil_agent_event_gaps_total\\{source="${source}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

async function hostEvents(hostId: string): Promise<{ eventSeq: number; epoch: string; type: string; detail: string }[]> {
  const res = await coord.app.inject({ url: `/v1/hosts/${hostId}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().host.events;
}

/** Opens a stream, says Hello, waits for Welcome; returns the stream and the Welcome. */
async function connect(hostId: string, epoch?: string): Promise<{ s: TestStream; lastEventSeq: number }> {
  const s = fx.open();
  s.call.write(hello(hostId, epoch));
  const w = await waitFor(() => s.got.find((m) => m.welcome));
  return { s, lastEventSeq: Number(w.welcome.lastEventSeq) };
}

async function sendAll(s: TestStream, seqs: number[]): Promise<void> {
  for (const n of seqs) s.call.write(event(n));
  await waitFor(() => s.got.some((m) => Number(m.eventAck?.eventSeq) === Math.max(...seqs)));
}

async function bye(s: TestStream): Promise<void> {
  s.call.write({ goodbye: { reason: 'done' } });
  await s.status;
}

beforeAll(async () => {
  fx = await startStreamFixture('coord-epochs');
  coord = fx.coord;
});

afterAll(async () => {
  await fx?.close();
});

describe('agent stream - event epochs', () => {
  it('a new epoch (an agent that lost its data dir) gets last_event_seq 0 and all its events 1..9 are stored after 1..10 of the old one', async () => {
    const old = await connect('lost-dir', 'journal-A');
    expect(old.lastEventSeq).toBe(0);
    await sendAll(old.s, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await bye(old.s);

    const fresh = await connect('lost-dir', 'journal-B');
    expect(fresh.lastEventSeq).toBe(0);
    await sendAll(fresh.s, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Acked within the new epoch, not jumped to 10.
    expect(fresh.s.got.filter((m) => m.eventAck).map((m) => Number(m.eventAck.eventSeq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await bye(fresh.s);

    const events = await hostEvents('lost-dir');
    expect(events.filter((e) => e.epoch === 'journal-A').map((e) => e.eventSeq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events.filter((e) => e.epoch === 'journal-B').map((e) => e.eventSeq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.some((e) => e.type === 'event_gap')).toBe(false);

    // Each epoch resumes where it was.
    const again = await connect('lost-dir', 'journal-B');
    expect(again.lastEventSeq).toBe(9);
    await bye(again.s);
  });

  it('an agent without epochs (older than the field) keeps working in the epoch ""', async () => {
    const a = await connect('old-agent');
    await sendAll(a.s, [1, 2, 3]);
    a.s.call.cancel();
    const b = await connect('old-agent');
    expect(b.lastEventSeq).toBe(3);
    b.s.call.write(event(3)); // a replay
    await sendAll(b.s, [4]);
    await bye(b.s);
    const events = await hostEvents('old-agent');
    expect(events.map((e) => [e.epoch, e.eventSeq])).toEqual([
      ['', 4],
      ['', 3],
      ['', 2],
      ['', 1],
    ]);
  });

  it('an upgraded agent (events from before epochs, then an epoch continuing the numbering) is no gap', async () => {
    const a = await connect('upgraded');
    await sendAll(a.s, [1, 2]);
    await bye(a.s);
    const before = await metric('sequence');
    const b = await connect('upgraded', 'journal-new');
    expect(b.lastEventSeq).toBe(0);
    await sendAll(b.s, [3, 4]);
    await bye(b.s);
    expect(await metric('sequence')).toBe(before);
  });
});

describe('agent stream - gaps in an event sequence', () => {
  it('records a jump as one gap (timeline entry, metric, ack past it); replays and duplicates are no gap', async () => {
    const before = await metric('sequence');
    const a = await connect('gappy', 'g1');
    await sendAll(a.s, [1, 2]);
    a.s.call.write(event(2)); // a duplicate
    await sendAll(a.s, [5]);
    expect(a.s.ended()).toBe(false);
    a.s.call.cancel();

    // A reconnect replays from the last stored event: no gap.
    const b = await connect('gappy', 'g1');
    expect(b.lastEventSeq).toBe(5);
    b.s.call.write(event(5));
    await sendAll(b.s, [6, 7]);
    await bye(b.s);

    expect(await metric('sequence')).toBe(before + 1);
    const events = await hostEvents('gappy');
    const gaps = events.filter((e) => e.type === 'event_gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ epoch: 'g1', eventSeq: 3, detail: 'events 3-4 of epoch "g1" never arrived' });
    expect(events.filter((e) => e.type !== 'event_gap').map((e) => e.eventSeq)).toEqual([7, 6, 5, 2, 1]);
  });

  it('the first event of an epoch starts its sequence here: no gap before it (a cluster peer may have stored the ones before)', async () => {
    const before = await metric('sequence');
    const a = await connect('moved-host', 'journal-m');
    await sendAll(a.s, [15, 16]);
    await bye(a.s);
    expect(await metric('sequence')).toBe(before);
    expect((await hostEvents('moved-host')).map((e) => e.type)).not.toContain('event_gap');
  });

  it('an event_lost marker from a damaged agent journal fills its number, is stored and counted as reported', async () => {
    const before = { agent: await metric('agent'), sequence: await metric('sequence') };
    const a = await connect('damaged-journal', 'dj');
    a.s.call.write(event(1));
    a.s.call.write(event(2, "event 2 is lost: the agent's journal /var/lib/vigil/events/events.jsonl had damaged line 2 where it was", 'event_lost'));
    await sendAll(a.s, [3]);
    await bye(a.s);
    expect(await metric('agent')).toBe(before.agent + 1);
    expect(await metric('sequence')).toBe(before.sequence);
    const lost = (await hostEvents('damaged-journal')).find((e) => e.type === 'event_lost');
    expect(lost).toMatchObject({ eventSeq: 2, detail: expect.stringContaining('damaged line 2') });
  });

  it('refuses a Hello whose epoch is no epoch id, naming the field', async () => {
    const s = fx.open();
    s.call.write(hello('bad-epoch', 'has spaces/and slashes'));
    const st = await s.status;
    expect(st.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(st.details).toMatch(/hello\.eventEpoch/);
  });
});
