import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { fanOutAccepts } from './accept-fanout.js';

const log = pino({ level: 'silent' });
const opened: Server[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

/**
 * Listens, adds descriptors, then holds the loop while a child process opens `clients`
 * connections (the kernel completes them into the accept queue meanwhile), and counts the
 * loop turns it takes to accept them all.
 */
async function turnsToAccept(total: number, clients: number): Promise<{ descriptors: number; turns: number; backlog: number; sockets: number }> {
  let accepted = 0;
  const onConnection = (s: import('node:net').Socket) => {
    accepted++;
    s.on('error', () => undefined);
    s.destroy();
  };
  const listener = createServer(onConnection);
  opened.push(listener);
  await new Promise<void>((resolve) => listener.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, resolve));
  const port = (listener.address() as import('node:net').AddressInfo).port;
  const extra = await fanOutAccepts(listener, { total, backlog: 1024, onConnection, log });
  opened.push(...extra);
  const ss = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' }).trim();
  const backlog = Number(ss.split(/\s+/)[2]);
  const sockets = (ss.match(/fd=\d+/g) ?? []).length;
  // The child connects and stays until it is told to go.
  const child = spawn(process.execPath, ['-e', `
    const net = require('node:net'); const keep = [];
    for (let i = 0; i < ${clients}; i++) { const c = net.connect(${port}, '127.0.0.1'); c.on('error', () => {}); keep.push(c); }
    process.on('disconnect', () => process.exit(0));
  `], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    // Handshakes complete in the kernel without this loop: hold it (no turn, so no accept)
    // until all of them wait in the accept queue, which ss shows as the listener's Recv-Q.
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const until = Date.now() + 10_000;
    let queued = 0;
    while (queued < clients && Date.now() < until) {
      Atomics.wait(pause, 0, 0, 20);
      queued = Number(execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim().split(/\s+/)[1]);
    }
    expect(queued, 'connections waiting in the accept queue').toBe(clients);
    let turns = 0;
    await new Promise<void>((resolve, reject) => {
      const giveUp = Date.now() + 20_000;
      const turn = () => {
        turns++;
        if (accepted >= clients) return resolve();
        if (Date.now() > giveUp) return reject(new Error(`accepted ${accepted} of ${clients} in ${turns} turns`));
        setImmediate(turn);
      };
      setImmediate(turn);
    });
    return { descriptors: 1 + extra.length, turns, backlog, sockets };
  } finally {
    child.disconnect();
  }
}

describe('accept fan-out', () => {
  it('the listening socket gets eight descriptors, keeps its backlog, and a loop turn accepts several connections', async () => {
    const r = await turnsToAccept(8, 400);
    expect(r.descriptors).toBe(8);
    expect(r.sockets).toBe(8);
    expect(r.backlog).toBe(1024);
    // One descriptor takes one connection a turn (400 turns); eight take up to eight.
    expect(r.turns).toBeLessThanOrEqual(Math.ceil(400 / 8) + 5);
  });

  it('one descriptor (no fan-out) takes one connection per loop turn', async () => {
    const r = await turnsToAccept(1, 200);
    expect(r.descriptors).toBe(1);
    expect(r.sockets).toBe(1);
    expect(r.turns).toBeGreaterThanOrEqual(200 * 0.9);
  });
});
