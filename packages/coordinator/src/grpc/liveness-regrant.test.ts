import { FakeClock, type AgentMessageIn } from '@vigil/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivenessRegrant, type RegrantableSession } from './liveness-regrant.js';
import { helloMessage, startStreamFixture, waitFor, type StreamFixture, type TestStream } from '../test-support/stream-fixture.js';

/** A stream that wants `target` (undefined: no change) and records what it was sent. */
function fakeSession(target: number | undefined): RegrantableSession & { sent: number[] } {
  const sent: number[] = [];
  return {
    sent,
    livenessRegrant: () => (sent.length > 0 ? undefined : target),
    regrantLiveness: (ms) => void sent.push(ms),
  };
}

describe('LivenessRegrant', () => {
  it('grants each stream that wants a change once per pass, at most maxPerPass a pass, every everyMs', () => {
    const clock = new FakeClock();
    const sessions = [fakeSession(2000), fakeSession(undefined), fakeSession(0), fakeSession(1500)];
    const r = new LivenessRegrant(clock, () => sessions, () => 0, { everyMs: 1000, maxPerPass: 2 });
    r.start();
    clock.advance(999);
    expect(sessions.map((s) => s.sent)).toEqual([[], [], [], []]);
    clock.advance(1);
    expect(sessions.map((s) => s.sent)).toEqual([[2000], [], [0], []]);
    clock.advance(1000);
    expect(sessions.map((s) => s.sent)).toEqual([[2000], [], [0], [1500]]);
    expect(r.sent).toBe(3);
    r.stop();
    clock.advance(10_000);
    expect(r.sent).toBe(3);
  });

  it('a pass that reached maxPerPass is followed by the next after backlogEveryMs; once caught up, every everyMs again', () => {
    const clock = new FakeClock();
    const sessions = Array.from({ length: 5 }, () => fakeSession(3000));
    const r = new LivenessRegrant(clock, () => sessions, () => 0, { everyMs: 10_000, maxPerPass: 2, backlogEveryMs: 2000 });
    r.start();
    clock.advance(10_000);
    expect(r.sent).toBe(2);
    clock.advance(1999);
    expect(r.sent).toBe(2);
    clock.advance(1);
    expect(r.sent).toBe(4);
    clock.advance(2000);
    // The last one: not a full pass, so the next comes after everyMs.
    expect(r.sent).toBe(5);
    sessions.push(fakeSession(3000));
    clock.advance(9999);
    expect(r.sent).toBe(5);
    clock.advance(1);
    expect(r.sent).toBe(6);
    r.stop();
  });
});

describe('agent stream - liveness re-grant', () => {
  let fx: StreamFixture;
  beforeAll(async () => {
    // A budget of 2 liveness messages a second: each host added lengthens everyone's period
    // by 500 ms (250 ms steps), and the pass runs every 200 ms.
    fx = await startStreamFixture('liveness-regrant', { maxLivenessRate: 2, livenessRegrantInterval: '200ms', minLivenessInterval: '250ms' });
  });
  afterAll(async () => {
    await fx?.close();
  });

  const hello = (hostId: string, capabilities: string[]): AgentMessageIn => helloMessage(hostId, { intervalMs: 10_000, livenessIntervalMs: 500, capabilities });
  async function connect(hostId: string, capabilities = ['resources', 'liveness_grant']): Promise<{ s: TestStream; granted: number }> {
    const s = fx.open();
    s.call.write(hello(hostId, capabilities));
    const w = await waitFor(() => s.got.find((m) => m.welcome));
    return { s, granted: w.welcome.livenessIntervalMs };
  }
  const grants = (s: TestStream): number[] => s.got.filter((m) => m.livenessGrant).map((m) => m.livenessGrant.livenessIntervalMs);

  it('the first agents of a fleet that grew get the longer period; an agent without the capability gets none; the host is judged by the new period', async () => {
    const a = await connect('regrant-a');
    expect(a.granted).toBe(500);
    const b = await connect('regrant-b');
    expect(b.granted).toBe(1000);
    const old = await connect('regrant-old', ['resources']);
    expect(old.granted).toBe(1500);
    // Three hosts: 1.5 s for everyone who can take it.
    await waitFor(() => (grants(a.s).at(-1) === 1500 && grants(b.s).at(-1) === 1500 ? true : undefined), 3000);
    expect(grants(old.s)).toEqual([]);
    const granted = [grants(a.s).length, grants(b.s).length];
    // Judged by 1.5 s now (silent after 3 s without one), not 0.5 s (1 s): liveness every
    // 1.2 s keeps it online, which at the old period would have been a silence.
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      a.s.call.write({ liveness: { agentStallMs: 0 } });
      const next = Date.now() + 1200;
      while (Date.now() < next) {
        expect(fx.coord.registry.get('regrant-a')!.state).toBe('online');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // No grant since: the passes over those 3 s found the fleet's size, and so the period, unchanged.
    expect([grants(a.s).length, grants(b.s).length]).toEqual(granted);
    for (const x of [a, b, old]) x.s.call.write({ goodbye: { reason: 'done' } });
  });
});
