import { fileURLToPath } from 'node:url';
import type { NetHost, TestNet } from './netns.js';
import { waitFor } from './poll.js';
import type { Child } from './processes.js';

export const SSH_BANNER_SCRIPT = fileURLToPath(new URL('./ssh-banner-server.mjs', import.meta.url));
export const SSH_BANNER = 'SSH-2.0-OpenSSH_9.2p1 Debian-2';

/**
 * Starts the SSH-banner server inside a host's namespace (port 22 by default: each
 * namespace has its own) and resolves once it listens. Stop it by PID through the Child.
 */
export async function startSshBanner(net: TestNet, host: NetHost, port = 22): Promise<Child> {
  const child = net.exec(host, `ssh-banner ${host.ns}`, [process.execPath, SSH_BANNER_SCRIPT, '0.0.0.0', String(port)]);
  await waitFor(
    () => {
      if (!child.running) throw new Error(`ssh-banner server in ${host.ns} exited\n${child.output()}`);
      return child.stdout.text().includes('listening ');
    },
    { timeoutMs: 10_000, intervalMs: 20, what: `the ssh-banner server in ${host.ns} to listen`, observe: () => child.output() },
  );
  return child;
}
