import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../helpers/agent.js';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { getHost, hostStates } from '../helpers/http.js';
import { report } from '../helpers/measure.js';
import { holdsFor, waitFor } from '../helpers/poll.js';

const HOST = 'twin-1';

interface LogLine {
  level: number;
  msg: string;
  event?: string;
}

function logLines(stderr: string): LogLine[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

/**
 * Two real agents started with the same host id: the second is refused while the first
 * holds a live stream, and gets in once the first is gone.
 */
describe('duplicate agent', () => {
  let coordinator: Coordinator;
  dumpLogsOnFailure();

  beforeAll(async () => {
    coordinator = await Coordinator.start({ nats: 'none' });
  });
  afterAll(() => teardown());

  it('duplicate - the second agent is refused with a clear error, the first keeps its stream; kill -9 the first and the second gets in', { timeout: 60_000 }, async () => {
    const first = startAgent({ coordinator: coordinator.grpcTarget, hostId: HOST, interval: '500ms' });
    await waitFor(async () => (await hostStates(coordinator.baseUrl))[HOST] === 'online', { timeoutMs: 10_000, what: `${HOST} online`, observe: () => hostStates(coordinator.baseUrl) });
    const firstConnected = () => logLines(first.child.stderr.text()).filter((l) => l.event === 'connected').length;
    await waitFor(() => firstConnected() === 1 || undefined, { timeoutMs: 5000, what: 'the first agent to log its connection' });

    const second = startAgent({ coordinator: coordinator.grpcTarget, hostId: HOST, interval: '500ms' });
    const refusal = await waitFor(() => logLines(second.child.stderr.text()).find((l) => l.event === 'refused_duplicate'), {
      timeoutMs: 10_000,
      what: 'the second agent to log the refusal',
      observe: () => second.child.stderr.text().split('\n').slice(-3).join('\n'),
    });
    expect(refusal.level).toBe(50);
    expect(refusal.msg).toMatch(/refused this agent: host "twin-1" already has a live agent stream: another agent holds the stream for this host id/);

    // For several of the second agent's retries: the first keeps its one stream, the
    // host stays online and keeps getting heartbeats, the second never connects.
    const seqBefore = (await getHost(coordinator.baseUrl, HOST)).lastSeq as number;
    await holdsFor(
      async () => {
        const h = await getHost(coordinator.baseUrl, HOST);
        if (h.state !== 'online' || !h.connected) throw new Error(`host is ${h.state}, connected ${h.connected}`);
        if (firstConnected() !== 1) throw new Error('the first agent reconnected: its stream was taken');
        if (logLines(first.child.stderr.text()).some((l) => l.event === 'disconnected')) throw new Error('the first agent lost its stream');
        if (logLines(second.child.stderr.text()).some((l) => l.event === 'connected')) throw new Error('the second agent got in');
        if (!second.running) throw new Error('the refused agent exited; it must keep retrying');
      },
      { durationMs: 3000, intervalMs: 200, what: 'first agent holds the stream' },
    );
    expect((await getHost(coordinator.baseUrl, HOST)).lastSeq).toBeGreaterThan(seqBefore);

    // The first agent dies without a Goodbye: the second is let in on its next retry.
    const killedAt = performance.now();
    await first.kill();
    await waitFor(() => logLines(second.child.stderr.text()).find((l) => l.event === 'connected'), {
      timeoutMs: 20_000,
      what: 'the second agent to connect after the first was killed',
      observe: () => second.child.stderr.text().split('\n').slice(-2).join('\n'),
    });
    const takeoverMs = Math.round(performance.now() - killedAt);
    report('duplicate_agent_takeover_after_kill', takeoverMs, 'ms');
    await waitFor(async () => {
      const h = await getHost(coordinator.baseUrl, HOST);
      return h.state === 'online' && h.connected ? h : undefined;
    }, { timeoutMs: 5000, what: `${HOST} online with the second agent` });
    await second.stop();
  });
});
