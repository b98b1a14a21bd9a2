import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findPortHolders, parseProcNetTcp, portOfAddressInUse, TCP_LISTEN } from './port-holder.js';

// Captured from /proc/net/tcp on Debian 12 (one listener on 127.0.0.1:25672, one connection).
const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:6448 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 6261 1 00000000785ece32 100 0 0 10 0
   1: 0100007F:C2A4 0100007F:6448 01 00000000:00000000 00:00000000 00000000     0        0 98811 1 0000000000000000 20 4 30 10 -1
`;

describe('port holder', () => {
  it('parseProcNetTcp - ports and states from the hex columns', () => {
    expect(parseProcNetTcp(PROC_NET_TCP)).toEqual([
      { localPort: 25672, state: TCP_LISTEN, inode: 6261 },
      { localPort: 49828, state: 1, inode: 98811 },
    ]);
    expect(parseProcNetTcp('header only\n')).toEqual([]);
  });

  it.each([
    ['Error: listen EADDRINUSE: address already in use :::8080', 8080],
    ['Error: listen EADDRINUSE: address already in use 127.0.0.1:3000', 3000],
    ['listen tcp :9090: bind: address already in use', 9090],
    ['nginx: [emerg] bind() to [::1]:8443 failed (98: Address already in use)', 8443],
    ['bind: Address already in use', undefined],
    ['GET /health 200', undefined],
  ])('portOfAddressInUse - %j → %s', (line, port) => {
    expect(portOfAddressInUse(line)).toBe(port);
  });

  it('findPortHolders - finds this process listening on a loopback port, nobody on a closed one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const holders = findPortHolders(port);
      expect(holders.map((h) => h.pid)).toEqual([process.pid]);
      expect(holders[0]!.command).toContain('node');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(findPortHolders(port)).toEqual([]);
  });
});
