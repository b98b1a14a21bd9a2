import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { canRunNetnsTests } from '../helpers/netns.js';
import { holdsFor, waitFor } from '../helpers/poll.js';
import { Drill, subjects } from './kit.js';

const run = promisify(execFile);

/**
 * Liveness datagrams where UDP does not get through (docs/contract.md): a firewall between
 * a host and the coordinator drops UDP, from the start or once the datagrams were heard.
 * The agent's liveness goes back on its gRPC stream and the host is judged as before: no
 * false silence, and a frozen host or a cut link is still reported. The drop is tc on the
 * host's own eth0 (see dropUdpFrom), so only UDP from that host is lost. Liveness at 250 ms under the drills' 500 ms samples, so it is granted.
 */
const FROM_START = 'udp-1';
const LATER = 'udp-2';

describe.skipIf(!canRunNetnsTests())('drills - UDP filtered between a host and the coordinator', () => {
  let d: Drill;
  dumpLogsOnFailure();

  beforeAll(async () => {
    d = await Drill.start({
      tag: 'udp',
      coordinatorId: 'drill-udp',
      hosts: [FROM_START, LATER].map((id) => ({ id, ssh: false, agentArgs: ['--liveness-interval', '250ms'] })),
    });
  }, 60_000);
  afterAll(() => d?.teardown());

  /**
   * The host's UDP is lost on its way out: its eth0 gets an htb root whose UDP class ends
   * in a FIFO of length 0 (no tc action or netem module needed); TCP and ICMP pass.
   */
  async function dropUdpFrom(id: string): Promise<void> {
    const tc = (...args: string[]) => run('tc', ['-n', d.host(id).net.ns, ...args]);
    await tc('qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'htb', 'default', '10');
    await tc('class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
    await tc('class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '10gbit');
    await tc('qdisc', 'add', 'dev', 'eth0', 'parent', '1:20', 'handle', '20:', 'pfifo', 'limit', '0');
    await tc('filter', 'add', 'dev', 'eth0', 'parent', '1:', 'protocol', 'ip', 'u32', 'match', 'ip', 'protocol', '17', '0xff', 'flowid', '1:20');
  }

  const agentSays = (id: string, text: string) => () => (d.host(id).agent!.output().includes(text) ? true : undefined);
  const silentSince = (id: string, since: number) => d.watcher.events.filter((e) => e.receivedAt >= since && e.subject === subjects.silent(id));

  it('filtered from the start: the datagrams are never heard, the stream carries the liveness, and a frozen host is still silent within 3 s', async () => {
    await dropUdpFrom(FROM_START);
    await d.killAgent(FROM_START);
    // The kill itself makes it silent after the disconnect grace: judged from its return on.
    await d.waitEvent(subjects.silent(FROM_START), { since: 0, timeoutMs: 8000 });
    d.startAgent(FROM_START);
    await d.waitStates({ [FROM_START]: 'online' }, 10_000);
    const startedAt = performance.now();
    // Past the point where the coordinator gives up on the datagrams (two periods and a second).
    await holdsFor(
      () => {
        const s = silentSince(FROM_START, startedAt);
        if (s.length > 0) throw new Error(`${FROM_START} declared silent while its stream carried its liveness`);
      },
      { durationMs: 4000, intervalMs: 100, what: `${FROM_START} online without its datagrams` },
    );
    expect(d.host(FROM_START).agent!.output()).not.toContain('liveness goes as datagrams only');

    const frozenAt = performance.now();
    d.host(FROM_START).agent!.freeze();
    try {
      const silent = await d.waitEvent(subjects.silent(FROM_START), { since: frozenAt, timeoutMs: 8000 });
      expect(silent.receivedAt - frozenAt).toBeLessThan(3000);
    } finally {
      d.host(FROM_START).agent!.thaw();
    }
    await d.waitStates({ [FROM_START]: 'online' }, 10_000);
  });

  it('filtered once heard: the coordinator sends the agent back to stream liveness, no false silence, and a cut link is still silent within 3 s', async () => {
    await waitFor(agentSays(LATER, 'liveness goes as datagrams only'), { timeoutMs: 10_000, what: `${LATER} told its datagrams are heard` });
    const droppedAt = performance.now();
    await dropUdpFrom(LATER);
    await waitFor(agentSays(LATER, 'liveness goes on the stream too'), { timeoutMs: 10_000, what: `${LATER} sent back to stream liveness` });
    await holdsFor(
      () => {
        const s = silentSince(LATER, droppedAt);
        if (s.length > 0) throw new Error(`${LATER} declared silent while its heartbeats and stream liveness kept coming`);
      },
      { durationMs: 3000, intervalMs: 100, what: `${LATER} online on its stream` },
    );

    const cutAt = performance.now();
    await d.net.cutHost(d.host(LATER).net);
    try {
      const silent = await d.waitEvent(subjects.silent(LATER), { since: cutAt, timeoutMs: 8000 });
      expect(silent.receivedAt - cutAt).toBeLessThan(3000);
    } finally {
      await d.net.restoreHost(d.host(LATER).net);
    }
  });
});
