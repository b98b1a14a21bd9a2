import { writeFileSync } from 'node:fs';
import { findBinary } from '@vigil/testkit/binaries';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './poll.js';
import { spawnChild, type Child } from './processes.js';
import { tempDir } from './temp-dir.js';

/** Debian's prometheus-alertmanager (`apt-get install -y prometheus-alertmanager`), or $ALERTMANAGER_BIN. */
export function alertmanagerBinary(): string | undefined {
  return findBinary('alertmanager', 'ALERTMANAGER_BIN', ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager']);
}

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

/**
 * A real Alertmanager on 127.0.0.1, its own config and storage in a temp dir, clustering
 * off; started and stopped by PID. Its one receiver does nothing: the tests read what it
 * holds through its own API (`GET /api/v2/alerts`).
 */
export class Alertmanager {
  private constructor(
    private readonly child: Child,
    readonly port: number,
  ) {}

  static async start(): Promise<Alertmanager> {
    const bin = alertmanagerBinary();
    if (!bin) throw new Error('prometheus-alertmanager not found: apt-get install -y prometheus-alertmanager, or set ALERTMANAGER_BIN');
    const dir = tempDir('alertmanager');
    const config = join(dir, 'alertmanager.yml');
    writeFileSync(config, 'route:\n  receiver: none\n  group_wait: 1s\nreceivers:\n  - name: none\n');
    const port = await freePort();
    const child = spawnChild({
      name: 'alertmanager',
      command: bin,
      args: [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    });
    const am = new Alertmanager(child, port);
    await waitFor(
      async () => {
        if (!child.running) throw new Error(`alertmanager exited\n${child.output()}`);
        const res = await fetch(`${am.url}/-/ready`).catch(() => undefined);
        return res?.ok;
      },
      { timeoutMs: 15_000, what: `alertmanager on 127.0.0.1:${port}`, observe: () => child.output() },
    );
    return am;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every alert it holds, resolved ones included. */
  async alerts(): Promise<AmAlert[]> {
    const res = await fetch(`${this.url}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true`);
    if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status}`);
    return (await res.json()) as AmAlert[];
  }

  async stop(): Promise<void> {
    await this.child.stop();
  }
}
