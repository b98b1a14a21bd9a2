import type { Socket } from 'node:net';
import type { Logger } from '@vigil/shared';

export interface PeerConnectionGateOptions {
  /** Connections taken at once from one peer address; 0 takes any number. */
  maxPerPeer: number;
  /**
   * Loopback peers are local processes (a fleet simulator, a local tool), not a remote
   * flood, and one coordinator may serve thousands of them in benchmarks: they are not
   * limited unless this is false.
   */
  exemptLoopback: boolean;
  log: Logger;
  /** Counted once per refused connection. */
  refused: () => void;
  now?: () => number;
}

/** How often one address's refusals are logged (with the count since): a flood must not flood the log. */
const LOG_EVERY_MS = 60_000;

/**
 * Counts the TCP connections of each peer address and closes those beyond the limit
 * before TLS or HTTP/2 spend anything on them. An agent holds one connection (two while a
 * reconnect overlaps), so the limit only bites a client opening connections to hold
 * memory, or many agents behind one NAT address (raise the limit for those).
 */
export class PeerConnectionGate {
  private readonly open = new Map<string, number>();
  private readonly lastLog = new Map<string, { at: number; since: number }>();

  constructor(private readonly opts: PeerConnectionGateOptions) {}

  /** Takes the socket (true) or destroys it (false). A taken socket is counted until it closes. */
  admit(socket: Socket): boolean {
    const addr = normaliseAddress(socket.remoteAddress);
    if (this.opts.maxPerPeer <= 0 || (this.opts.exemptLoopback && isLoopback(addr))) return true;
    const n = this.open.get(addr) ?? 0;
    if (n >= this.opts.maxPerPeer) {
      this.opts.refused();
      this.note(addr);
      socket.destroy();
      return false;
    }
    this.open.set(addr, n + 1);
    socket.once('close', () => {
      const left = (this.open.get(addr) ?? 1) - 1;
      if (left <= 0) this.open.delete(addr);
      else this.open.set(addr, left);
    });
    return true;
  }

  /** Connections currently counted for an address (for tests and metrics). */
  openFrom(address: string): number {
    return this.open.get(normaliseAddress(address)) ?? 0;
  }

  private note(addr: string): void {
    const now = (this.opts.now ?? Date.now)();
    const last = this.lastLog.get(addr);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.since++;
      return;
    }
    this.lastLog.set(addr, { at: now, since: 0 });
    this.opts.log.warn(
      { peer: addr, limit: this.opts.maxPerPeer, refusedSinceLastLine: last?.since ?? 0 },
      `refused a connection: ${addr} already holds ${this.opts.maxPerPeer} (maxConnectionsPerPeer)`,
    );
  }
}

function normaliseAddress(a: string | undefined): string {
  return (a ?? 'unknown').replace(/^::ffff:/, '');
}

function isLoopback(a: string): boolean {
  return a === '::1' || a.startsWith('127.');
}
