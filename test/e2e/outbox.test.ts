import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostToken } from '@vigil/shared';
import { Fleet, dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { hostStates } from '../helpers/http.js';
import { report } from '../helpers/measure.js';
import { countBy, readStream, streamConfig, type StoredEvent } from '../helpers/nats-watch.js';
import { holdsFor, waitFor } from '../helpers/poll.js';

/**
 * NATS goes away while a host goes silent: the event waits in the coordinator's outbox
 * and reaches the stream exactly once, in order, when NATS is back.
 */
const subject = (state: string, host: string) => `vigil.v1.host.${state}.${hostToken(host)}`;

function seqOf(stored: StoredEvent[], subj: string): number {
  const m = stored.find((e) => e.subject === subj);
  if (!m) throw new Error(`${subj} not in the stream: ${stored.map((e) => e.subject).join(', ')}`);
  return m.seq;
}

function expectUniqueIds(all: StoredEvent[]): void {
  // The coordinator's heartbeat is published directly, without an id, not through the
  // outbox: one lands in the stream whenever a run outlasts heartbeatInterval (10 s).
  const stored = all.filter((m) => !m.subject.startsWith('vigil.v1.coordinator.heartbeat.'));
  const dupes = [...countBy(stored, (m) => m.event?.id)].filter(([, n]) => n > 1);
  expect(dupes, 'event ids stored more than once').toEqual([]);
  for (const m of stored) expect(m.msgId, `Nats-Msg-Id of ${m.subject}`).toBe(m.event?.id);
}

describe('event outbox', () => {
  let fleet: Fleet;
  dumpLogsOnFailure();

  beforeAll(async () => {
    fleet = await Fleet.start({ hostIds: ['web-1', 'web-2', 'web-3'], interval: '500ms' });
    // The online events are in the stream before NATS goes away.
    await waitFor(async () => (await readStream(fleet.nats.url)).filter((m) => m.subject.startsWith('vigil.v1.host.online.')).length >= 3, {
      timeoutMs: 5000,
      what: 'three online events in the stream',
    });
  });
  afterAll(() => teardown(fleet));

  it('outbox - a host that goes silent while NATS is down is published exactly once when NATS returns', async () => {
    expect((await streamConfig(fleet.nats.url))?.subjects).toEqual(['vigil.v1.>']);
    await fleet.nats.stop();
    await fleet.agent('web-1').kill();
    await fleet.waitForStates({ 'web-1': 'silent' }, 5000);
    const detectedWall = Date.now();

    const restartAt = performance.now();
    await fleet.nats.startAgain();
    // A later change, queued behind the silent event: once it is in the stream, the
    // outbox has delivered everything before it.
    const termExit = await fleet.agent('web-2').stop();
    expect(termExit).toEqual({ code: 0, signal: null });
    const stored = await waitFor(
      async () => {
        const all = await readStream(fleet.nats.url);
        return all.some((m) => m.subject === subject('left', 'web-2')) ? all : undefined;
      },
      { timeoutMs: 15_000, what: 'the left event of web-2 in the stream', observe: async () => (await readStream(fleet.nats.url)).map((m) => m.subject) },
    );
    report('nats_restart_to_outbox_flushed', performance.now() - restartAt, 'ms');

    const silent = stored.filter((m) => m.subject === subject('silent', 'web-1'));
    expect(silent, 'silent events for web-1 by subject').toHaveLength(1);
    const id = silent[0]!.event!.id;
    expect(stored.filter((m) => m.event?.id === id), 'by CloudEvent id').toHaveLength(1);
    expect(silent[0]!.event!.data).toMatchObject({ hostId: 'web-1', state: 'silent' });
    // Detected while NATS was down, not when it came back.
    expect(Date.parse(silent[0]!.event!.time)).toBeLessThanOrEqual(detectedWall);
    // In order: suspect, silent, then the later leave.
    expect(seqOf(stored, subject('suspect', 'web-1'))).toBeLessThan(seqOf(stored, subject('silent', 'web-1')));
    expect(seqOf(stored, subject('silent', 'web-1'))).toBeLessThan(seqOf(stored, subject('left', 'web-2')));
    expectUniqueIds(stored);

    // No late second copy.
    await holdsFor(async () => (await readStream(fleet.nats.url)).filter((m) => m.event?.id === id).length === 1, {
      durationMs: 1500,
      intervalMs: 250,
      what: 'one copy of the silent event',
    });
  });

  it('outbox - queued events survive a coordinator restart while NATS is down', async () => {
    const late = fleet.addAgent('web-4');
    await fleet.waitForStates({ 'web-4': 'online', 'web-3': 'online' }, 10_000);
    await waitFor(async () => (await readStream(fleet.nats.url)).some((m) => m.subject === subject('online', 'web-4')), {
      timeoutMs: 5000,
      what: 'online event of web-4',
    });

    await fleet.nats.stop();
    await fleet.agent('web-3').kill();
    await fleet.waitForStates({ 'web-3': 'silent' }, 5000);

    const exit = await fleet.coordinator.stop();
    expect(exit, 'SIGTERM with NATS down still ends cleanly').toEqual({ code: 0, signal: null });
    const downWall = Date.now();
    await fleet.coordinator.startAgain();
    await fleet.waitForLive(['web-4'], downWall, 10_000);
    await fleet.waitForStates({ 'web-3': 'silent' }, 1000);
    expect(await late.stop()).toEqual({ code: 0, signal: null });
    await fleet.waitForStates({ 'web-4': 'left' }, 3000);

    await fleet.nats.startAgain();
    const stored = await waitFor(
      async () => {
        const all = await readStream(fleet.nats.url);
        return all.some((m) => m.subject === subject('left', 'web-4')) ? all : undefined;
      },
      { timeoutMs: 15_000, what: 'the left event of web-4 in the stream', observe: async () => (await readStream(fleet.nats.url)).map((m) => m.subject) },
    );
    expect(stored.filter((m) => m.subject === subject('silent', 'web-3'))).toHaveLength(1);
    expect(seqOf(stored, subject('silent', 'web-3'))).toBeLessThan(seqOf(stored, subject('left', 'web-4')));
    expectUniqueIds(stored);
    expect(await hostStates(fleet.coordinator.baseUrl)).toMatchObject({ 'web-3': 'silent', 'web-4': 'left' });
  });
});
