import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '@vigil/shared';
import { PeerConnectionGate } from './peer-connection-gate.js';
import { waitFor } from '../test-support/stream-fixture.js';

const warns: unknown[] = [];
const log = { warn: (o: unknown) => warns.push(o) } as unknown as Logger;
let server: Server | undefined;
const clients: Socket[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  server?.close();
  warns.length = 0;
});

/** A TCP server behind the gate; each client reports whether it was closed by the server. */
async function gated(gate: PeerConnectionGate): Promise<number> {
  server = createServer((s) => {
    // A taken connection is greeted, so a client can tell it was taken without waiting.
    if (gate.admit(s)) s.write('ok');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function client(port: number): { socket: Socket; closed: () => boolean; greeted: () => boolean } {
  let closed = false;
  let greeted = false;
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.on('data', () => (greeted = true));
  socket.on('close', () => (closed = true));
  clients.push(socket);
  return { socket, closed: () => closed, greeted: () => greeted };
}

describe('peer connection gate', () => {
  it('takes at most maxPerPeer connections from one address, closes the rest at once, and takes a new one when one closes', async () => {
    let refused = 0;
    let now = 0;
    const gate = new PeerConnectionGate({ maxPerPeer: 2, exemptLoopback: false, log, refused: () => refused++, now: () => now });
    const port = await gated(gate);
    const a = client(port);
    const b = client(port);
    await waitFor(() => gate.openFrom('127.0.0.1') === 2);
    const c = client(port);
    const d = client(port);
    await waitFor(() => c.closed() && d.closed());
    expect(refused).toBe(2);
    expect(c.greeted() || d.greeted()).toBe(false);
    expect(a.closed() || b.closed()).toBe(false);
    // One line per address and minute, with the count since the last one.
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ peer: '127.0.0.1', limit: 2 });

    a.socket.destroy();
    await waitFor(() => gate.openFrom('127.0.0.1') === 1);
    const e = client(port);
    await waitFor(() => e.greeted());
    expect(gate.openFrom('127.0.0.1')).toBe(2);
    expect(e.closed()).toBe(false);

    now = 61_000;
    const f = client(port);
    await waitFor(() => f.closed());
    expect(warns).toHaveLength(2);
    expect(warns[1]).toMatchObject({ refusedSinceLastLine: 1 });
  });

  it('does not limit loopback peers when they are exempt, nor anyone when the limit is 0', async () => {
    for (const opts of [{ maxPerPeer: 1, exemptLoopback: true }, { maxPerPeer: 0, exemptLoopback: false }]) {
      let refused = 0;
      const gate = new PeerConnectionGate({ ...opts, log, refused: () => refused++ });
      const port = await gated(gate);
      const cs = [client(port), client(port), client(port)];
      await waitFor(() => cs.every((c) => c.greeted()));
      expect(cs.some((c) => c.closed())).toBe(false);
      expect(refused).toBe(0);
      for (const c of clients.splice(0)) c.destroy();
      server?.close();
    }
  });
});
