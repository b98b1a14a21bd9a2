import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test-fixtures/helpers.js';
import { TcpCheck } from './tcp.js';

let server: net.Server;
let port: number;
const ctx = { pids: async () => [] };

beforeAll(async () => {
  server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('tcp check', () => {
  it('tcp - a listening port passes', async () => {
    const r = await new TcpCheck('tcp', { host: '127.0.0.1', port, timeout: 1_000 }).run(ctx);
    expect(r).toMatchObject({ ok: true, detail: expect.stringMatching(new RegExp(`^connected to 127\\.0\\.0\\.1:${port} in \\d+ ms$`)) });
  });

  it('tcp - a closed port fails with the reason', async () => {
    const closed = await freePort();
    const r = await new TcpCheck('tcp', { host: '127.0.0.1', port: closed, timeout: 1_000 }).run(ctx);
    expect(r).toMatchObject({ ok: false, detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('tcp - an abort ends the attempt', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await new TcpCheck('tcp', { host: '127.0.0.1', port, timeout: 1_000 }).run({ ...ctx, signal: ac.signal })).toMatchObject({ ok: false, detail: 'aborted' });
  });
});
