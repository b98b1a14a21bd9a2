import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeLivenessDatagram } from '@vigil/shared';
// @ts-expect-error the simulator is plain JavaScript (bench/fleet), without types
import { DatagramSender } from '../../bench/fleet/datagram.mjs';
import { waitFor } from '../helpers/poll.js';

interface Sender {
  send(key: Uint8Array, d: { slot: number; seq: number; agentStallMs: number }, host: string, port: number): boolean;
  close(): void;
}

const key = new Uint8Array(16).fill(7);
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

async function listener(): Promise<{ socket: Socket; port: number; got: Buffer[] }> {
  const socket = createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  open.push(socket);
  return { socket, port: socket.address().port, got };
}

describe('fleet simulator - liveness datagrams sent as vigil-agent sends them', () => {
  it('every datagram arrives, signed for its slot, before and after the connected socket is ready', async () => {
    const stats: { datagramErrors?: number } = {};
    const sender = (await DatagramSender.create(stats)) as Sender;
    open.push(sender);
    const { port, got } = await listener();
    let seq = 0;
    // The first goes out while the connected socket is still connecting, the rest on it.
    await waitFor(
      () => {
        expect(sender.send(key, { slot: 3, seq: ++seq, agentStallMs: 0 }, '127.0.0.1', port)).toBe(true);
        return got.length >= 5 ? true : undefined;
      },
      { timeoutMs: 5000, intervalMs: 10, what: 'five datagrams at the listener' },
    );
    const seqs = got.map((m) => {
      const r = decodeLivenessDatagram(m, (slot) => (slot === 3 ? key : undefined), () => 0);
      if (!r.ok) throw new Error(r.detail);
      return r.datagram.seq;
    });
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(stats.datagramErrors ?? 0).toBe(0);
  });

  it('a port nobody listens on is counted as a send error (ECONNREFUSED reaches a connected socket only)', async () => {
    const stats: { datagramErrors?: number } = {};
    const sender = (await DatagramSender.create(stats)) as Sender;
    open.push(sender);
    const gone = await listener();
    const port = gone.port;
    gone.socket.close();
    open.splice(open.indexOf(gone.socket), 1);
    let seq = 0;
    await waitFor(
      () => {
        sender.send(key, { slot: 1, seq: ++seq, agentStallMs: 0 }, '127.0.0.1', port);
        return (stats.datagramErrors ?? 0) > 0 ? true : undefined;
      },
      { timeoutMs: 5000, intervalMs: 20, what: 'a send error counted' },
    );
  });
});
