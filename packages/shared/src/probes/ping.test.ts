import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeRunner } from './index.js';
import { judgePing, parsePingOutput, pingArgv, type PingSummary } from './ping.js';
import type { PingDetail } from './types.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const run = promisify(execFile);

describe('ping - parsing captured output', () => {
  const cases: Array<[string, Partial<PingSummary>]> = [
    ['ping-ipv4-loopback.txt', { transmitted: 4, received: 4, lossPercent: 0, rttMinMs: 0.023, rttAvgMs: 0.034, rttMaxMs: 0.039, rttMdevMs: 0.006, timeMs: 611 }],
    ['ping-ipv6-loopback.txt', { transmitted: 4, received: 4, lossPercent: 0, rttMinMs: 0.016, rttAvgMs: 0.036, rttMaxMs: 0.049, rttMdevMs: 0.012, timeMs: 610 }],
    ['ping-quiet-ipv4-loopback.txt', { transmitted: 4, received: 4, lossPercent: 0, rttMinMs: 0.03, rttMaxMs: 0.082 }],
    ['ping-netns-healthy.txt', { transmitted: 4, received: 4, lossPercent: 0, rttAvgMs: 0.049 }],
    ['ping-netns-partial-loss.txt', { transmitted: 10, received: 2, lossPercent: 80, rttMinMs: 0.047, rttAvgMs: 0.055, rttMaxMs: 0.064, rttMdevMs: 0.008, timeMs: 1834 }],
    ['ping-netns-link-down.txt', { transmitted: 10, received: 0, lossPercent: 100, rttMinMs: null, rttAvgMs: null, rttMaxMs: null, rttMdevMs: null, timeMs: 1835 }],
    ['ping-netns-unreachable-errors.txt', { transmitted: 6, received: 0, errors: 6, lossPercent: 100, rttAvgMs: null, timeMs: 1022 }],
    ['handmade-total-loss-count-only.txt', { transmitted: 4, received: 0, lossPercent: 100, timeMs: 3004 }],
    ['handmade-errors-partial.txt', { transmitted: 4, received: 1, errors: 3, lossPercent: 75, rttMinMs: 0.412, rttMdevMs: 0 }],
    ['handmade-duplicates-corrupted.txt', { transmitted: 4, received: 4, duplicates: 1, corrupted: 1, lossPercent: 0, rttMaxMs: 0.06 }],
    ['handmade-fractional-loss.txt', { transmitted: 3, received: 2, lossPercent: 33.3333 }],
    ['handmade-flood-ipg.txt', { transmitted: 100, received: 100, lossPercent: 0, rttMinMs: 0.025, rttMdevMs: 0.006, timeMs: 3 }],
    ['handmade-busybox.txt', { transmitted: 4, received: 2, lossPercent: 50, rttMinMs: 0.053, rttAvgMs: 0.065, rttMaxMs: 0.077, rttMdevMs: null }],
  ];
  it.each(cases)('%s', (name, expected) => {
    const s = parsePingOutput(fixture(name));
    expect(s).toMatchObject(expected);
    expect(s.failure).toBeUndefined();
  });

  it('ping - a healthy summary carries no error counters', () => {
    const s = parsePingOutput(fixture('ping-ipv4-loopback.txt'));
    expect(s.errors).toBeUndefined();
    expect(s.duplicates).toBeUndefined();
  });

  it('ping - a resolver failure has no statistics but keeps ping’s complaint', () => {
    expect(parsePingOutput(fixture('ping-name-resolution-failure.txt'))).toMatchObject({
      transmitted: 0, received: 0, lossPercent: 100, rttAvgMs: null, failure: 'nohost.invalid: Temporary failure in name resolution',
    });
    expect(parsePingOutput(fixture('handmade-unknown-host.txt')).failure).toBe('nohost.example.invalid: Name or service not known');
  });

  it('ping - text that is not ping output', () => {
    expect(parsePingOutput(fixture('handmade-garbage.txt'))).toMatchObject({ transmitted: 0, lossPercent: 100, failure: 'no statistics in ping output' });
    expect(parsePingOutput('').failure).toBe('no statistics in ping output');
  });

  it('ping - the loss is computed when ping does not print it', () => {
    expect(parsePingOutput('4 packets transmitted, 3 received\n').lossPercent).toBe(25);
  });
});

describe('ping - verdict', () => {
  const at = (name: string) => judgePing(parsePingOutput(fixture(name)), 25);
  it('ping - loss below 25 % is up, at or above is down (runbook)', () => {
    expect(at('ping-ipv4-loopback.txt')).toBeNull();
    expect(at('ping-netns-partial-loss.txt')).toMatchObject({ code: 'packet_loss' });
    expect(at('ping-netns-link-down.txt')?.message).toMatch(/100% packet loss \(0 of 10 replies\)/);
    expect(at('ping-netns-unreachable-errors.txt')?.message).toMatch(/6 ICMP errors/);
    expect(judgePing(parsePingOutput('4 packets transmitted, 3 received, 25% packet loss'), 25)).toMatchObject({ code: 'packet_loss' });
    expect(judgePing(parsePingOutput('100 packets transmitted, 76 received, 24% packet loss'), 25)).toBeNull();
  });
  it('ping - resolver failures are not_found', () => {
    expect(at('ping-name-resolution-failure.txt')).toMatchObject({ code: 'not_found' });
    expect(at('handmade-unknown-host.txt')).toMatchObject({ code: 'not_found' });
    expect(at('handmade-garbage.txt')).toMatchObject({ code: 'network' });
  });
  it('ping - argv is fixed, ends options before the target', () => {
    const argv = pingArgv('127.0.0.1', 2, { count: 4, intervalS: 0.2, replyWaitS: 1, maxLossPercent: 25, defaultTimeoutMs: 2000, command: 'ping' });
    expect(argv).toEqual(['-n', '-q', '-c', '4', '-i', '0.2', '-W', '1', '-w', '2', '--', '127.0.0.1']);
  });
});

describe('ping - real ping', () => {
  const runner = createProbeRunner();

  it.each(['127.0.0.1', '::1'])('ping - %s answers in well under the deadline', async (target) => {
    const result = await runner.run({ id: `p-${target}`, kind: 'ping', target });
    console.log(`ping ${target}: ok=${result.ok} in ${result.durationMs.toFixed(1)} ms`, result.detail);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ ok: true, detail: { kind: 'ping', transmitted: 4, received: 4, lossPercent: 0, exitCode: 0 } });
    expect(result.durationMs).toBeLessThan(2000);
  });

  it('ping - a reserved name fails without running ping', async () => {
    const result = await runner.run({ id: 'p-invalid', kind: 'ping', target: 'nohost.invalid' });
    expect(result).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(result.durationMs).toBeLessThan(500);
  });
});

/**
 * A namespace of the test's own, joined to this one by a veth pair, so a dead host can be
 * simulated without sending a packet anywhere but into it.
 */
describe('ping - a host in a network namespace', () => {
  const pid = process.pid;
  const ns = `vigil-probe-${pid}`;
  const hostIf = `vp${pid}h`;
  const nsIf = `vp${pid}n`;
  // A /30 of 10.0.0.0/8 picked from the pid, so parallel runs do not share a subnet.
  const base = `10.${200 + ((pid >> 14) % 50)}.${(pid >> 6) & 255}`;
  const last = (pid & 63) * 4;
  const hostAddr = `${base}.${last + 1}`;
  const nsAddr = `${base}.${last + 2}`;
  let created = false;
  let skipReason: string | undefined;

  const ip = (...args: string[]) => run('ip', args);

  beforeAll(async () => {
    try {
      await ip('netns', 'add', ns);
      created = true;
    } catch (err) {
      const text = `${(err as { stderr?: string }).stderr ?? ''} ${(err as Error).message}`;
      if (/not permitted|permission denied|ENOENT/i.test(text)) {
        skipReason = `cannot create a network namespace here: ${text.trim()}`;
        return;
      }
      throw err;
    }
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns);
    await ip('addr', 'add', `${hostAddr}/30`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    await ip('-n', ns, 'addr', 'add', `${nsAddr}/30`, 'dev', nsIf);
    await ip('-n', ns, 'link', 'set', nsIf, 'up');
  });

  afterAll(async () => {
    if (!created) return;
    // Deleting the namespace deletes its veth end, and with it the pair.
    await ip('netns', 'del', ns);
    await ip('link', 'del', hostIf).catch(() => undefined);
  });

  it('ping - up while the link is up, 100 % loss within the deadline once it is down', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const runner = createProbeRunner();

    const up = await runner.run({ id: 'ns-up', kind: 'ping', target: nsAddr });
    console.log(`ping ${nsAddr} (link up): ok=${up.ok} in ${up.durationMs.toFixed(1)} ms`);
    expect(up).toMatchObject({ ok: true, detail: { received: 4, lossPercent: 0 } });

    await ip('-n', ns, 'link', 'set', nsIf, 'down');
    const down = await runner.run({ id: 'ns-down', kind: 'ping', target: nsAddr, timeoutMs: 2000 });
    console.log(`ping ${nsAddr} (link down): ok=${down.ok} in ${down.durationMs.toFixed(1)} ms`, down.detail);
    expect(down).toMatchObject({ ok: false, error: { code: 'packet_loss' }, detail: { kind: 'ping', received: 0, lossPercent: 100 } });
    // ping's own deadline ended it (exit 1 with statistics), not the runner's hard timeout,
    // which would have left no detail. ICMP errors may end it sooner on some kernels.
    expect((down.detail as PingDetail).transmitted).toBeGreaterThan(0);
    expect((down.detail as PingDetail).exitCode).toBe(1);
    expect(down.durationMs).toBeLessThan(2900);
  });
});

// Counterexamples found by test/fuzz/probe-output.fuzz.test.ts.
describe('ping - statistics that cannot be exact', () => {
  it('a packet count past 2^53 is no statistics, not a rounded count', () => {
    const s = parsePingOutput('--- x ping statistics ---\n18446744073709551615 packets transmitted, 0 received, 100% packet loss, time 1835ms\n');
    expect(s).toMatchObject({ transmitted: 0, received: 0, lossPercent: 100, failure: 'packet counts in ping output too large to be exact' });
  });

  it('a loss figure that is not 0-100 % is counted from the packets; an unreadable time is null', () => {
    const s = parsePingOutput('4 packets transmitted, 3 received, 1.2.3% packet loss, time 3004ms\nrtt min/avg/max/mdev = 0.023/1.2.3/0.039/0.006 ms\n');
    expect(s.lossPercent).toBe(25);
    expect(s.rttAvgMs).toBeNull();
    expect(s.rttMinMs).toBe(0.023);
  });
});
