import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handOnIfOpen } from './queued-connection.js';
import { waitFor } from '../test-support/stream-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-queued-'));
let server: Server;
let port: number;
const handed: { socket: Socket; data: Buffer[] }[] = [];
let gone = 0;

beforeAll(async () => {
  server = createServer((socket) =>
    handOnIfOpen(
      socket,
      (s) => {
        const entry = { socket: s, data: [] as Buffer[] };
        handed.push(entry);
        s.on('data', (d: Buffer) => {
          entry.data.push(d);
          s.write(d);
        });
      },
      () => gone++,
    ),
  );
  port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
});

afterAll(async () => {
  for (const h of handed) h.socket.destroy();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Holds this thread (the server's event loop) until `done` exists, as a coordinator busy
 * for seconds would: connections meanwhile wait in the kernel's accept queue.
 */
function holdLoopUntil(done: () => boolean): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + 10_000;
  while (!done() && Date.now() < until) Atomics.wait(cell, 0, 0, 20);
}

/** Server-side sockets of `port` in CLOSE_WAIT: the peer's FIN has reached this host. */
function closeWaits(): number {
  const out = execFileSync('ss', ['-Htn', 'state', 'close-wait', `( sport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim()).length;
}

describe('a connection taken from the accept queue', () => {
  it('whose peer wrote and closed while it waited is closed without being handed on', async () => {
    const marker = join(dir, 'closed');
    // Another process, so that it connects, writes and closes while this loop is held.
    const child = spawn(process.execPath, [
      '-e',
      `const net = require('node:net'); const fs = require('node:fs');
       const s = net.connect(${port}, '127.0.0.1', () => s.write(Buffer.alloc(64, 7), () => { s.destroy(); fs.writeFileSync(${JSON.stringify(marker)}, ''); }));`,
    ]);
    const exited = new Promise((r) => child.on('exit', r));
    holdLoopUntil(() => existsSync(marker) && closeWaits() > 0);
    expect(closeWaits()).toBe(1);
    await waitFor(() => gone === 1 || undefined);
    expect(handed).toHaveLength(0);
    await exited;
  });

  it('whose peer is still there is handed on with the bytes it sent meanwhile, in order', async () => {
    const marker = join(dir, 'sent');
    const first = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const child = spawn(process.execPath, [
      '-e',
      `const net = require('node:net'); const fs = require('node:fs');
       const s = net.connect(${port}, '127.0.0.1', () => s.write(${JSON.stringify(first.toString())}, () => fs.writeFileSync(${JSON.stringify(marker)}, '')));
       let echoed = '';
       s.on('data', (d) => {
         echoed += d;
         if (echoed === ${JSON.stringify(first.toString())}) s.write('more');
         if (echoed === ${JSON.stringify(first.toString() + 'more')}) { process.stdout.write('echoed'); s.destroy(); }
       });`,
    ]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => child.on('exit', r));
    holdLoopUntil(() => existsSync(marker));
    const before = gone;
    await waitFor(() => handed.length === 1 || undefined);
    await exited;
    expect(out).toBe('echoed');
    expect(Buffer.concat(handed[0]!.data).toString()).toBe(`${first.toString()}more`);
    expect(gone).toBe(before);
  });
});
