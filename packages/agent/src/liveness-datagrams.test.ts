import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { udpSocketFactory, type DatagramSocket } from './liveness-datagrams.js';
import { waitFor } from './test-support/fake-coordinator.js';

/** A UDP port on loopback with nothing bound to it (bound, read, closed). */
async function closedUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(resolve));
  return port;
}

describe('udpSocketFactory', () => {
  const open: { close(): void }[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  it('sends each datagram to the coordinator\'s port once connected', async () => {
    const receiver = createSocket('udp4');
    open.push(receiver);
    const got: Buffer[] = [];
    receiver.on('message', (m) => got.push(m));
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    const errors: Error[] = [];
    const socket: DatagramSocket = udpSocketFactory('127.0.0.1', receiver.address().port, (e) => errors.push(e));
    open.push(socket);
    // Sends before the connect completes are dropped; keep sending until one lands.
    await waitFor('a datagram at the receiver', () => {
      socket.send(Buffer.from([0x56, 1]));
      return got.length > 0;
    });
    expect(got[0]).toEqual(Buffer.from([0x56, 1]));
    expect(errors).toEqual([]);
  });

  it('a port that answers "unreachable" reaches onError (sends carry no callback of their own)', async () => {
    const errors: NodeJS.ErrnoException[] = [];
    const socket = udpSocketFactory('127.0.0.1', await closedUdpPort(), (e) => errors.push(e));
    open.push(socket);
    await waitFor('ECONNREFUSED through onError', () => {
      socket.send(Buffer.alloc(32));
      return errors.length > 0;
    });
    expect(errors[0]!.code).toBe('ECONNREFUSED');
  });
});
