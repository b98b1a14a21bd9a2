import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A middlebox on 127.0.0.1: forwards each connection to `target` and can reset every
 * connection through it (RST to both ends, as a firewall or load balancer that drops its
 * state does), refuse new ones (the path is down), or hold what the target sends for a
 * while (a slow path, or a busy far end). Only loopback.
 */
export class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private refusing = false;
  /** How long what the target sends is held before it is passed on. */
  private delayMs = 0;

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      if (!proxy || proxy.refusing) {
        client.resetAndDestroy();
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      proxy.pairs.add(pair);
      client.pipe(upstream);
      // In order, each chunk held `delayMs` from when it came, and never before the one before it.
      let last = Promise.resolve();
      upstream.on('data', (chunk: Buffer) => {
        const held = proxy?.delayMs ?? 0;
        if (held === 0) {
          last = last.then(() => void client.write(chunk));
          return;
        }
        const due = new Promise<void>((r) => setTimeout(r, held));
        last = Promise.all([last, due]).then(() => void (client.destroyed || client.write(chunk)));
      });
      const end = () => {
        proxy?.pairs.delete(pair);
        if (!client.destroyed) client.resetAndDestroy();
        if (!upstream.destroyed) upstream.resetAndDestroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Connections open through it now. */
  get open(): number {
    return this.pairs.size;
  }

  /** Resets every connection through it; new ones still pass. */
  resetAll(): void {
    for (const [client, upstream] of [...this.pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.pairs.clear();
  }

  /** From now on what the target sends is held this long before it is passed on (0: at once). */
  hold(ms: number): void {
    this.delayMs = ms;
  }

  /** From now on a new connection is reset at once (`false`: passed again). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  async close(): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
