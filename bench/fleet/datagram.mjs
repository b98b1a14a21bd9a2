// Liveness datagrams (docs/contract.md): one UDP socket per simulator process, shared by
// all its agents. A socket per agent would cost thousands of file descriptors for what is
// one 32-byte send a second each; UDP needs no connection, so the coordinator cannot tell.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

export class DatagramSender {
  #sockets = new Map();
  /** `host port` → a socket connected there, once its connect completed. */
  #connected = new Map();

  /**
   * Loads the encoder the real agent uses from @vigil/shared (its dist, built by
   * `pnpm exec tsc -b packages/shared`), so the bytes cannot drift from the contract.
   * @param {object} stats the worker's counters: send failures go to `datagramErrors`
   */
  static async create(stats) {
    const shared = await import('@vigil/shared');
    if (typeof shared.encodeLivenessDatagram !== 'function') {
      throw new Error('@vigil/shared has no encodeLivenessDatagram: its dist predates liveness datagrams; run `pnpm exec tsc -b packages/shared`');
    }
    return new DatagramSender(shared.encodeLivenessDatagram, stats);
  }

  constructor(encode, stats) {
    this.encode = encode;
    this.stats = stats;
    // One callback for every send: no closure allocated per datagram. A failed send is
    // counted, never thrown: a lost datagram is what the stream fallback is for.
    this.onSent = (err) => {
      if (err) this.stats.datagramErrors = (this.stats.datagramErrors ?? 0) + 1;
    };
  }

  /** The socket for `host`'s address family, made on first use (in practice only one). */
  #socketFor(host) {
    const type = isIPv6(host) ? 'udp6' : 'udp4';
    let socket = this.#sockets.get(type);
    if (!socket) {
      socket = createSocket(type);
      // Asynchronous errors of the socket itself (not of one send): counted, the socket kept.
      socket.on('error', () => this.onSent(true));
      // The worker ends when the run says so, not when this socket is the last handle.
      socket.unref();
      this.#sockets.set(type, socket);
    }
    return socket;
  }

  /**
   * A socket connected to host:port, as vigil-agent sends from (liveness-datagrams.ts):
   * a send to it needs no address lookup and no callback. Undefined until its connect
   * completes; the send goes by the unconnected socket meanwhile.
   */
  #connectedTo(host, port) {
    const key = `${host} ${port}`;
    const c = this.#connected.get(key);
    if (c) return c.ready ? c.socket : undefined;
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const entry = { socket, ready: false };
    this.#connected.set(key, entry);
    // A send without a callback reports its failure here (ECONNREFUSED from a closed port).
    socket.on('error', () => this.onSent(true));
    socket.unref();
    socket.connect(port, host, () => (entry.ready = true));
    return undefined;
  }

  /** Sends one encoded datagram for `d` ({ slot, seq, agentStallMs }) to host:port. */
  send(key, d, host, port) {
    let buf;
    try {
      buf = this.encode(key, d);
      const connected = this.#connectedTo(host, port);
      if (connected) connected.send(buf);
      else this.#socketFor(host).send(buf, port, host, this.onSent);
    } catch {
      // A bad field from the coordinator (the encoder's RangeError) or a socket already closed.
      this.onSent(true);
      return false;
    }
    return true;
  }

  close() {
    for (const s of this.#sockets.values()) s.close();
    this.#sockets.clear();
    for (const c of this.#connected.values()) c.socket.close();
    this.#connected.clear();
  }
}
