import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * Accept queue of the agents' listener. A deep one (the kernel caps it at
 * net.core.somaxconn): connections arriving while the loop is held (a collection, a
 * commit) wait in the kernel instead of being dropped and retried by the agent's kernel 1,
 * 3, 7 s later. With Node's 511, a fleet of 15,000 connecting at 300/s overflowed it ~900
 * times a second (TcpExtListenOverflows).
 */
export const LISTEN_BACKLOG = 4096;

/**
 * The agents' TCP listener, bound when the coordinator starts, before it loads its store.
 *
 * Why so early: after a restart the whole fleet dials at once. A port that is not bound
 * yet refuses them, and every agent backs off (up to 10 s) and dials again, thousands of
 * attempts a second that leave the coordinator's seconds of loading nothing to show. A
 * bound port lets the kernel hold the connections, and vigil-agent waits for a connection
 * that is up but not yet taken (its accept wait, 30 s) instead of retrying; the coordinator
 * takes them the moment it can serve.
 *
 * Until `serve`, connections taken from the queue are parked unread by the coordinator
 * (Node buffers what they send), then handed over in arrival order.
 */
export interface AgentListener {
  readonly server: Server;
  readonly port: number;
  /** Connections taken and parked, waiting for `serve`. */
  readonly parked: number;
  /** Connections go to `onConnection` from now on; those parked meanwhile first. Returns how many were parked. */
  serve(onConnection: (socket: Socket) => void): number;
  close(): void;
}

export async function bindAgentListener(at: { host: string; port: number }): Promise<AgentListener> {
  /** Parked connections in arrival order (a Set keeps it); one that closes meanwhile leaves. */
  const parked = new Set<Socket>();
  let handler: ((socket: Socket) => void) | undefined;
  // A reset while parked must not throw: the connection closes and leaves the set.
  const ignore = (): void => undefined;
  const server = createServer({ noDelay: true }, (socket) => {
    if (handler) return handler(socket);
    socket.on('error', ignore);
    // Left on after serve: deleting from the emptied set is a no-op.
    socket.once('close', () => parked.delete(socket));
    parked.add(socket);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: at.host, port: at.port, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  return {
    server,
    port,
    get parked() {
      return parked.size;
    },
    serve(onConnection) {
      if (handler) throw new Error('the agents listener is served already');
      handler = onConnection;
      const waiting = [...parked];
      parked.clear();
      for (const socket of waiting) {
        socket.off('error', ignore);
        onConnection(socket);
      }
      return waiting.length;
    },
    close() {
      server.close();
      for (const socket of parked) socket.destroy();
      parked.clear();
    },
  };
}
