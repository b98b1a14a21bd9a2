import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_REDIAL, ECHO_CAPABILITY, type AgentMessageIn } from '@vigil/shared';
import { CONNECT_ROUND_TRIPS, GRACE_HEADROOM_MS } from '../registry/disconnect-grace.js';
import { helloMessage, startStreamFixture, waitFor, type StreamFixture, type TestStream } from '../test-support/stream-fixture.js';

/**
 * Echoes on real streams: a host whose connect was too slow for a short disconnect grace
 * (a reconnect storm) has its round trip timed again, and the grace follows the answer.
 * `echoAfter` is shortened; its default is covered by stream-echo.test.ts.
 */
const ECHO_AFTER_MS = 600;
/** A first message this late after the Welcome (and before the first Echo) is a connect too slow for a grace under the ceiling (1 s). */
const SLOW_FIRST_MESSAGE_MS = 300;

let fx: StreamFixture;

beforeAll(async () => {
  fx = await startStreamFixture('echo', { echoAfter: `${ECHO_AFTER_MS}ms`, disconnectGrace: '1s' });
});

afterAll(async () => {
  await fx?.close();
});

const heartbeat = (seq: number): AgentMessageIn => ({ heartbeat: { seq, sentAtMs: Date.now(), collectors: [] } });
const echoes = (s: TestStream) => s.got.filter((m) => m.echo);

/**
 * A stream whose agent is at its first dial (a short grace is promised), sends its first
 * heartbeat `firstAfterMs` after the Welcome and then one every interval until its stream ends.
 */
async function connect(hostId: string, capabilities: string[], firstAfterMs: number): Promise<TestStream> {
  const s = fx.open();
  s.call.write(helloMessage(hostId, { capabilities, attempt: 1 }));
  await waitFor(() => s.got.find((m) => m.welcome));
  await new Promise((r) => setTimeout(r, firstAfterMs));
  s.call.write(heartbeat(1));
  await waitFor(() => s.got.some((m) => m.ack?.seq === 1));
  let seq = 1;
  const beat = setInterval(() => (s.ended() || s.call.destroyed || s.call.writableEnded ? clearInterval(beat) : s.call.write(heartbeat(++seq))), 150);
  return s;
}

async function silentReason(hostId: string): Promise<string> {
  const res = await fx.coord.app.inject({ url: `/v1/hosts/${hostId}` });
  const history = (res.json() as { host: { history: { to: string; reason: string }[] } }).host.history;
  return history.filter((t) => t.to === 'silent').at(-1)!.reason;
}

describe('agent stream - Echoes after a slow connect', () => {
  it('a slow connect is timed again by an Echo; the answer shortens the grace a crash then gets', async () => {
    const s = await connect('slow-connect', ['resources', ECHO_CAPABILITY], SLOW_FIRST_MESSAGE_MS);
    // As an agent does: every Echo answered when read (a busy test machine may make one
    // slow; the coordinator then sends the next).
    s.call.on('data', (m: { echo?: { nonce: number } }) => {
      if (m.echo) s.call.write({ echoReply: { nonce: m.echo.nonce } });
    });
    const echo = await waitFor(() => echoes(s)[0]?.echo, 3000);
    expect(echo.nonce).toBeGreaterThan(0);
    // The only host connected now: its answer has been read once it counts as `agent`.
    await waitFor(() => fx.coord.registry.disconnectGraceCounts().agent === 1, 3000);

    s.call.cancel();
    await waitFor(() => fx.coord.registry.get('slow-connect')?.state === 'silent', 3000);
    const reason = await silentReason('slow-connect');
    const m = /^no reconnect within (\d+) ms of the stream closing \(its agent redials within \d+ ms and its stream answered in (\d+) ms\)$/.exec(reason);
    expect(m, reason).not.toBeNull();
    const rtt = Number(m![2]);
    expect(rtt).toBeLessThan(SLOW_FIRST_MESSAGE_MS);
    expect(Number(m![1])).toBe(AGENT_REDIAL.firstRetryMs + CONNECT_ROUND_TRIPS * rtt + GRACE_HEADROOM_MS);
  });

  it('an Echo left unanswered: the next one comes twice as long later, and the grace stays the ceiling', async () => {
    const s = await connect('no-answer', ['resources', ECHO_CAPABILITY], SLOW_FIRST_MESSAGE_MS);
    const first = await waitFor(() => echoes(s)[0], 3000);
    const second = await waitFor(() => echoes(s)[1], 3000);
    expect(second.echo.nonce).not.toBe(first.echo.nonce);
    s.call.cancel();
    await waitFor(() => fx.coord.registry.get('no-answer')?.state === 'silent', 3000);
    expect(await silentReason('no-answer')).toBe('no reconnect within 1000 ms of the stream closing (the configured disconnect grace)');
  });

  it('no Echo to a fast connect, nor to an agent without the capability', async () => {
    const fast = await connect('fast-connect', ['resources', ECHO_CAPABILITY], 0);
    const old = await connect('no-capability', ['resources'], SLOW_FIRST_MESSAGE_MS);
    await new Promise((r) => setTimeout(r, 3 * ECHO_AFTER_MS));
    expect(echoes(fast)).toEqual([]);
    expect(echoes(old)).toEqual([]);
    for (const s of [fast, old]) {
      s.call.write({ goodbye: { reason: 'done' } });
      await s.status;
    }
  });

  it('a malformed echo reply is ignored; the stream goes on', async () => {
    const s = await connect('bad-reply', ['resources', ECHO_CAPABILITY], SLOW_FIRST_MESSAGE_MS);
    await waitFor(() => echoes(s)[0], 3000);
    s.call.write({ echoReply: { nonce: 0 } });
    const seq = fx.coord.registry.get('bad-reply')!.lastSeq;
    // Heartbeats taken after the bad reply (held in memory: the store paces them, so no ack).
    await waitFor(() => fx.coord.registry.get('bad-reply')!.lastSeq > seq + 1);
    expect(s.ended()).toBe(false);
    expect(fx.coord.registry.get('bad-reply')?.state).toBe('online');
    s.call.write({ goodbye: { reason: 'done' } });
    await s.status;
  });
});
