// A real nats-server with JetStream on 127.0.0.1, in a store dir of its own, on a port it
// picks itself (read from its ports file: no race for a free port).
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Child, waitFor } from './processes.mjs';

export function natsServerBinary() {
  for (const c of [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/local/bin/nats-server']) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error('nats-server not found: apt-get install -y nats-server, or set NATS_SERVER_BIN');
}

export async function startNats(dir) {
  const storeDir = join(dir, 'store');
  const portsDir = join(dir, 'ports');
  mkdirSync(portsDir, { recursive: true });
  const child = new Child('nats-server', natsServerBinary(), ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', storeDir, '--ports_file_dir', portsDir]);
  const portsFile = join(portsDir, `nats-server_${child.pid}.ports`);
  const url = await waitFor(
    () => {
      if (!child.running) throw Object.assign(new Error(`nats-server exited: ${child.tail}`), { fatal: true });
      if (!existsSync(portsFile)) return undefined;
      return JSON.parse(readFileSync(portsFile, 'utf8')).nats?.[0];
    },
    { timeoutMs: 10_000, what: 'the nats-server ports file' },
  );
  return { child, url };
}
