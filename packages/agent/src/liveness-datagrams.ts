import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { encodeLivenessDatagram, LIVENESS_DATAGRAM, type Logger } from '@vigil/shared';
import type { Welcome } from './connection.js';

/** The one side effect of liveness datagrams, behind an interface so tests can watch it. */
export interface DatagramSocket {
  send(datagram: Buffer): void;
  close(): void;
}

export type DatagramSocketFactory = (host: string, port: number, onError: (err: Error) => void) => DatagramSocket;

/**
 * A UDP socket connected to the coordinator's datagram port: connected once, so a host name
 * is looked up once, not once a second. Sends before the connect completes are dropped
 * (the first is due at the next point of the agent's grid, and goes on the stream too
 * until the coordinator hears datagrams). A host name is looked up as IPv4.
 */
export const udpSocketFactory: DatagramSocketFactory = (host, port, onError) => {
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  let connected = false;
  socket.on('error', onError);
  socket.connect(port, host, () => (connected = true));
  // The agent's stop closes it; it must never be what keeps the process alive.
  socket.unref();
  return {
    send(datagram) {
      // ECONNREFUSED (the port answered "unreachable") and the like: the coordinator finds
      // them unheard and asks for liveness on the stream. Without a callback a failed send
      // is the socket's 'error' event (onError above), and a sent one runs no JavaScript
      // afterwards: the agent wakes once a second for this, so every callback counts.
      if (connected) socket.send(datagram);
    },
    close() {
      try {
        socket.close();
      } catch {
        // already closed
      }
    },
  };
};

export interface DatagramOffer {
  port: number;
  key: Buffer;
  slot: number;
}

/**
 * The datagram port, key and slot a Welcome offers: undefined when it offers none (an
 * older coordinator, or datagrams off), an error naming the field when they are not usable.
 */
export function datagramOffer(welcome: Welcome): DatagramOffer | { error: string } | undefined {
  const port = welcome.livenessDatagramPort ?? 0;
  if (port === 0) return undefined;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return { error: `welcome.livenessDatagramPort: ${port} is not a port (1-65535)` };
  const key = welcome.livenessDatagramKey;
  const keyLength = key?.length ?? 0;
  if (!key || typeof key === 'string' || keyLength !== LIVENESS_DATAGRAM.keyBytes) return { error: `welcome.livenessDatagramKey: expected ${LIVENESS_DATAGRAM.keyBytes} bytes, got ${keyLength}` };
  const slot = welcome.livenessDatagramSlot ?? 0;
  if (!Number.isInteger(slot) || slot < 0 || slot > 0xffff_ffff) return { error: `welcome.livenessDatagramSlot: ${slot} is not a uint32` };
  return { port, key: Buffer.from(key), slot };
}

/** One stream's liveness datagrams: its key and slot, and a sequence number from 1. */
export class DatagramLink {
  private seq = 0;
  private failures = 0;
  private readonly socket: DatagramSocket;

  constructor(
    private readonly host: string,
    private readonly offer: DatagramOffer,
    factory: DatagramSocketFactory,
    private readonly log: Logger,
  ) {
    this.socket = factory(host, offer.port, (err) => this.failed(err));
  }

  send(agentStallMs: number): void {
    // One stream's seq reaches 2^32 after 136 years at 1 s.
    this.socket.send(encodeLivenessDatagram(this.offer.key, { slot: this.offer.slot, seq: ++this.seq, agentStallMs: Math.min(agentStallMs, 0xffff_ffff) }));
  }

  close(): void {
    this.socket.close();
  }

  /** Logged on the first failure and then every 60th (a minute at 1 s): each one is the same news. */
  private failed(err: Error): void {
    if (this.failures++ % 60 === 0) this.log.warn({ err: err.message, host: this.host, port: this.offer.port, failures: this.failures }, 'liveness datagram could not be sent; the coordinator asks for liveness on the stream when none arrive');
  }
}
