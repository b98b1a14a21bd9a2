import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '@vigil/shared';

/**
 * More descriptors for one listening socket, each watched by this event loop, so a turn of
 * the loop can take up to one connection per descriptor.
 *
 * Why: libuv (1.45 and later, which Node 20 ships) accepts a single connection per
 * listening descriptor per loop turn and leaves the rest to the next turn. A coordinator
 * busy with 10,000 connected agents turns its loop 100-300 times a second, so it took at
 * most that many new connections a second however idle its CPU was. When the whole fleet
 * reconnected after a restart the accept queue (4,096 deep) then held connections for 15-40
 * s, longer than any agent waits, and the coordinator accepted, one a turn, only
 * connections their agents had already given up: none of them came back.
 *
 * Node 20 has no SO_REUSEPORT and no dup(); a descriptor sent over IPC arrives as a new
 * one for the same socket, so a short-lived helper process receives the listening handle
 * once and sends it back `count` times. The helper never listens on it (a raw handle is
 * passed, not a server), and exits when done.
 */
const FANOUT_SOURCE = `
process.once('message', (m, handle) => {
  let left = Number(m && m.count) || 0;
  const next = () => {
    if (left-- <= 0 || !process.connected) return process.disconnect();
    process.send({ type: 'fd' }, handle, {}, next);
  };
  next();
});
process.on('disconnect', () => process.exit(0));
`;

/** The raw listening handle of a net.Server (what Node's cluster module sends, too). */
interface RawHandle {
  readonly fd?: number;
}

function rawHandleOf(server: Server): RawHandle | undefined {
  return (server as unknown as { _handle?: RawHandle | null })._handle ?? undefined;
}

export interface AcceptFanoutOptions {
  /** Descriptors wanted in all, the listener's own included; 1 asks for no more. */
  total: number;
  /** The accept queue to keep: listen() on a descriptor sets the socket's backlog again. */
  backlog: number;
  onConnection: (socket: Socket) => void;
  log: Logger;
  /** @default 5000 */
  timeoutMs?: number;
}

/**
 * Adds `total - 1` servers on new descriptors of `listener`'s socket. Returns them (to be
 * closed with the listener); on any failure logs it and returns what it got, down to none:
 * the listener alone still works, at one connection per turn.
 */
export async function fanOutAccepts(listener: Server, opts: AcceptFanoutOptions): Promise<Server[]> {
  const want = Math.max(0, Math.floor(opts.total) - 1);
  const handle = rawHandleOf(listener);
  if (want === 0 || !handle) return [];
  const handles: RawHandle[] = [];
  const child = spawn(process.execPath, ['-e', FANOUT_SOURCE], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${handles.length} of ${want} descriptors within ${opts.timeoutMs ?? 5000} ms`)), opts.timeoutMs ?? 5000);
      const finish = (err?: Error) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      child.once('error', finish);
      child.once('exit', (code, signal) => (handles.length >= want ? finish() : finish(new Error(`the helper exited (${signal ?? code}) after ${handles.length} of ${want} descriptors`))));
      child.on('message', (_m: unknown, h: unknown) => {
        if (h && typeof h === 'object') handles.push(h as RawHandle);
        if (handles.length >= want) finish();
      });
      child.send({ count: want }, handle as never, (err) => err && finish(err));
    });
  } catch (err) {
    opts.log.warn({ err, got: handles.length, want }, 'could not add accept descriptors for the agents listener; it takes one connection per loop turn');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const servers: Server[] = [];
  for (const h of handles) {
    const server = createServer({ noDelay: true }, opts.onConnection);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // listen({ handle, backlog }) ignores the backlog in Node 20; (handle, backlog) does not.
        server.listen(h, opts.backlog, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
    } catch (err) {
      opts.log.warn({ err }, 'an extra accept descriptor could not listen; going on without it');
      server.close();
    }
  }
  return servers;
}
