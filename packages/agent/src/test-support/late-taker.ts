import net from 'node:net';

export interface LateTaker {
  readonly address: string;
  /** Connections that arrived, and when (Unix ms). */
  readonly arrivals: number[];
  stop(): Promise<void>;
}

/**
 * A coordinator that takes connections late, as one working through a reconnect storm does:
 * the TCP connection comes up at once (this end holds it unread, as a kernel's accept queue
 * would), and only after `delayMs` is it joined to the coordinator at `to`, whose HTTP/2
 * SETTINGS then reach the agent. With `delayMs` 'never' nothing is ever forwarded: a
 * coordinator whose host answers but whose process never takes the connection.
 */
export async function startLateTaker(to: { host: string; port: number } | undefined, delayMs: number | 'never'): Promise<LateTaker> {
  const arrivals: number[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  const server = net.createServer({ pauseOnConnect: true }, (inbound) => {
    arrivals.push(Date.now());
    track(inbound);
    if (delayMs === 'never' || !to) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (inbound.destroyed) return;
      const outbound = net.connect(to.port, to.host);
      track(outbound);
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
      inbound.resume();
    }, delayMs);
    timers.add(timer);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
  return {
    address: `127.0.0.1:${port}`,
    arrivals,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
