import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { canRunNetnsTests, cidrsOverlap, parseCidr, TestNet } from '../helpers/netns.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { SSH_BANNER, startSshBanner } from '../helpers/ssh-banner.js';
import { connect } from 'node:net';

const run = promisify(execFile);

/** ping from the root namespace: true when at least one reply came back. */
async function pings(address: string): Promise<boolean> {
  try {
    await run('ping', ['-n', '-q', '-c', '1', '-W', '1', address], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** A link that was just brought up may take a moment to pass traffic. */
function reachable(address: string): Promise<boolean> {
  return waitFor(() => pings(address), { timeoutMs: 5000, intervalMs: 100, what: `${address} to answer ping` });
}

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: 5000 })).stdout;
}

function banner(address: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: address, port: 22 });
    let got = '';
    s.setTimeout(3000, () => s.destroy(new Error('timeout')));
    s.on('data', (c) => (got += c.toString('latin1')));
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });
}

describe('netns - address arithmetic', () => {
  it('parses prefixes and tells overlapping ones apart', () => {
    expect(parseCidr('10.199.7.0/24')).toEqual([(10 << 24 | 199 << 16 | 7 << 8) >>> 0, 0xffffff00]);
    expect(parseCidr('10.199.7.300/24')).toBeUndefined();
    expect(parseCidr('default')).toBeUndefined();
    expect(cidrsOverlap('10.199.7.0/24', '10.199.7.5')).toBe(true);
    expect(cidrsOverlap('10.0.0.0/8', '10.199.7.0/24')).toBe(true);
    expect(cidrsOverlap('10.199.8.0/24', '10.199.7.0/24')).toBe(false);
    expect(cidrsOverlap('192.0.2.0/24', '10.199.7.0/24')).toBe(false);
  });
});

describe.skipIf(!canRunNetnsTests())('netns - test networks', () => {
  let net: TestNet | undefined;
  afterAll(async () => {
    await stopAllChildren();
    await net?.destroy();
  });

  it('builds hosts on a bridge, cuts and restores links, and removes everything it made', async () => {
    net = await TestNet.create('nt');
    expect(net.subnet).toMatch(/^10\.199\.\d+\.0\/24$/);
    const [a, b] = [await net.addHost(), await net.addHost()];
    expect(a.ns).toMatch(/^vigil-nt\d+-1$/);
    expect(a.link.length).toBeLessThan(16);
    expect(await reachable(a.address)).toBe(true);
    expect(await reachable(b.address)).toBe(true);

    // A process inside a namespace listens on that namespace's own port 22.
    const ssh = await startSshBanner(net, a);
    expect(await banner(a.address)).toBe(`${SSH_BANNER}\r\n`);
    expect(ssh.running).toBe(true);

    await net.cutHost(a);
    expect(await pings(a.address)).toBe(false);
    expect(await reachable(b.address)).toBe(true);
    await net.restoreHost(a);
    expect(await reachable(a.address)).toBe(true);

    // The coordinator side down: nothing for the subnet leaves by the default route.
    await net.cutCoordinator();
    expect(await ip('route', 'get', b.address).catch((err: { stderr?: string }) => err.stderr ?? '')).toMatch(/unreachable|No route to host/i);
    expect(await pings(b.address)).toBe(false);
    await net.restoreCoordinator();
    expect(await reachable(b.address)).toBe(true);

    const made = { bridge: net.bridge, namespaces: [a.ns, b.ns], links: [a.link, b.link], subnet: net.subnet };
    await ssh.stop();
    await net.destroy();
    const namespaces = await ip('netns', 'list');
    for (const ns of made.namespaces) expect(namespaces).not.toContain(ns);
    const links = await ip('-o', 'link');
    for (const l of [made.bridge, ...made.links]) expect(links).not.toMatch(new RegExp(`: ${l}[@:]`));
    expect(await ip('route', 'show', 'table', 'all')).not.toContain(made.subnet.replace('.0/24', '.'));
  });
});
