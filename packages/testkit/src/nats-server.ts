import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { findBinary } from './binaries.js';
import { spawnChild, type Child } from './processes.js';
import { waitFor } from './poll.js';
import { tempDir } from './temp-dir.js';

/** Where packages install nats-server, looked at before $PATH. */
export const NATS_SERVER_WELL_KNOWN = ['/usr/sbin/nats-server', '/usr/local/bin/nats-server'];

/** Finds the nats-server binary: $NATS_SERVER_BIN, /usr/sbin/nats-server, then $PATH. */
export function natsServerBinary(env: NodeJS.ProcessEnv = process.env, wellKnown: readonly string[] = NATS_SERVER_WELL_KNOWN): string {
  const found = findBinary('nats-server', 'NATS_SERVER_BIN', wellKnown, env);
  if (!found) throw new Error('nats-server not found: install it (apt-get install -y nats-server) or set NATS_SERVER_BIN');
  return found;
}

/**
 * A real nats-server with JetStream on 127.0.0.1, on a port the server picks itself the
 * first time (no race with other tests) and the same port on every restart, with the
 * same store directory, so streams survive a restart as they do in production.
 */
export class NatsServer {
  readonly dir: string;
  readonly storeDir: string;
  private portsDir: string;
  private child: Child | undefined;
  private _port = -1;

  private constructor(dir: string) {
    this.dir = dir;
    this.storeDir = join(dir, 'store');
    this.portsDir = join(dir, 'ports');
    mkdirSync(this.portsDir, { recursive: true });
  }

  /** `dir`: where the store and the ports file go; a new temp dir by default. */
  static async start(dir?: string): Promise<NatsServer> {
    const server = new NatsServer(dir ?? tempDir('nats'));
    await server.launch();
    return server;
  }

  get port(): number {
    return this._port;
  }

  get url(): string {
    return `nats://127.0.0.1:${this._port}`;
  }

  get pid(): number | undefined {
    return this.child?.running ? this.child.pid : undefined;
  }

  get running(): boolean {
    return this.child?.running ?? false;
  }

  /** The server's recent log, for failure messages. */
  output(): string {
    return this.child?.output() ?? '(nats-server not started)';
  }

  private async launch(): Promise<void> {
    for (const f of readdirSync(this.portsDir)) rmSync(join(this.portsDir, f), { force: true });
    const args = ['-a', '127.0.0.1', '-p', String(this._port), '-js', '-sd', this.storeDir, '--ports_file_dir', this.portsDir];
    const child = spawnChild({ name: 'nats-server', command: natsServerBinary(), args });
    this.child = child;
    const portsFile = join(this.portsDir, `nats-server_${child.pid}.ports`);
    const url = await waitFor(
      () => {
        if (!child.running) throw new Error(`nats-server exited early\n${child.output()}`);
        if (!existsSync(portsFile)) return undefined;
        const ports = JSON.parse(readFileSync(portsFile, 'utf8')) as { nats?: string[] };
        return ports.nats?.[0];
      },
      { timeoutMs: 10_000, what: 'nats-server ports file', observe: () => child.output() },
    );
    this._port = Number(new URL(url.replace(/^nats:/, 'http:')).port);
    await waitFor(() => acceptsClients(this._port), {
      timeoutMs: 10_000,
      what: `nats-server on 127.0.0.1:${this._port} to accept clients with JetStream`,
      observe: () => child.output(),
    });
  }

  /** SIGTERM by PID and wait for the exit; SIGKILL if it takes more than `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    await this.child?.stop(graceMs);
  }

  /** SIGKILL by PID: the server vanishes without a goodbye to its clients. */
  async kill(): Promise<void> {
    await this.child?.kill();
  }

  /** Stops if running, then starts again on the same port and store directory. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and removes its directory (store and ports file). */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Starts again after `stop()`/`kill()`, on the same port and store directory. */
  async startAgain(): Promise<void> {
    if (this.running) throw new Error('nats-server is still running');
    await this.launch();
  }
}

/** True once the server sends its INFO line announcing JetStream. */
function acceptsClients(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      const line = buf.split('\r\n')[0];
      if (line === undefined || !buf.includes('\r\n')) return;
      if (!line.startsWith('INFO ')) return done(false);
      try {
        const info = JSON.parse(line.slice(5)) as { jetstream?: boolean };
        done(info.jetstream === true);
      } catch {
        done(false);
      }
    });
  });
}
