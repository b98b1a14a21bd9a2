import { describe, expect, it } from 'vitest';
import { createLogger, FakeClock } from '@vigil/shared';
import { DeadMansSwitch } from './deadman.js';
import type { NotifyEvent } from './event.js';

function setup() {
  const clock = new FakeClock(Date.parse('2026-12-03T08:00:00Z'));
  const sent: { kind: string; id: string; receiver: string; summary: string }[] = [];
  const d = new DeadMansSwitch({ receiver: 'pager', coordinatorSilenceMs: 60_000, natsDownMs: 30_000 }, clock, async (e: NotifyEvent, receiver) => {
    sent.push({ kind: e.kind, id: e.incident.incidentId, receiver, summary: e.incident.summary });
  }, createLogger('test', 'silent'));
  d.start();
  return { clock, sent, d };
}

describe("dead man's switch", () => {
  it('pages when no coordinator is heard for the configured time, resolves when one is, pages a new episode again', () => {
    const { clock, sent, d } = setup();
    d.natsConnected(true);
    d.heard('coord-a');
    clock.advance(59_000);
    expect(sent).toEqual([]);
    d.heard('coord-a'); // a heartbeat restarts the wait
    clock.advance(59_000);
    expect(sent).toEqual([]);
    clock.advance(7_000);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'trigger', receiver: 'pager', id: expect.stringMatching(/^vigil-notify:coordinators:/) });
    expect(sent[0]!.summary).toMatch(/^no Vigil coordinator heard for 6\d s: nothing is watching the fleet; last: coord-a/);
    clock.advance(600_000);
    expect(sent).toHaveLength(1); // one page per episode, not one per check
    d.heard('coord-b');
    expect(sent[1]).toMatchObject({ kind: 'resolve', id: sent[0]!.id });
    clock.advance(70_000);
    expect(sent).toHaveLength(3);
    expect(sent[2]).toMatchObject({ kind: 'trigger' });
    expect(sent[2]!.id).not.toBe(sent[0]!.id);
  });

  it('pages when its own NATS connection is down for the configured time, and not for the coordinators meanwhile', () => {
    const { clock, sent, d } = setup();
    d.natsConnected(true);
    d.heard('coord-a');
    clock.advance(10_000);
    d.natsConnected(false);
    clock.advance(29_000);
    expect(sent).toEqual([]);
    clock.advance(4_000); // checked every tenth of the shorter time: paged within 33 s
    expect(sent).toEqual([expect.objectContaining({ kind: 'trigger', id: expect.stringMatching(/^vigil-notify:nats:/), summary: expect.stringMatching(/no NATS connection for 3\d s/) })]);
    clock.advance(600_000); // coordinators unheard too, but NATS being down explains it: one page
    expect(sent).toHaveLength(1);
    d.natsConnected(true);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ kind: 'resolve', id: sent[0]!.id });
    // The coordinators' silence counts from the reconnection: paged only if still unheard after it.
    clock.advance(50_000);
    expect(sent).toHaveLength(2);
    clock.advance(20_000);
    expect(sent[2]).toMatchObject({ kind: 'trigger', id: expect.stringMatching(/^vigil-notify:coordinators:/) });
  });

  it('a NATS server never reached at start counts as down from the start', () => {
    const { clock, sent } = setup();
    clock.advance(31_000);
    expect(sent.map((s) => s.id)).toEqual([expect.stringMatching(/^vigil-notify:nats:/)]);
  });
});
