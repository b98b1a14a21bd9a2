import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createProbeRunner } from './index.js';
import { SSH_PREAMBLE_MAX_BYTES, scanSshBanner } from './ssh.js';
import type { SshDetail } from './types.js';

describe('ssh - banner scanning', () => {
  const scan = (text: string | Buffer) => scanSshBanner(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));

  it('ssh - the identification line, without CR LF', () => {
    expect(scan('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')).toEqual({ state: 'found', banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2' });
    expect(scan('SSH-2.0-dropbear\n')).toEqual({ state: 'found', banner: 'SSH-2.0-dropbear' });
  });
  it('ssh - lines before the identification line are skipped (RFC 4253 4.2)', () => {
    expect(scan('Welcome\r\nauthorised use only\r\nSSH-2.0-x\r\n')).toEqual({ state: 'found', banner: 'SSH-2.0-x' });
  });
  it('ssh - an unfinished line waits for more', () => {
    expect(scan('')).toEqual({ state: 'more' });
    expect(scan('SSH-2.0-Open')).toEqual({ state: 'more' });
    expect(scan('220 mail ESMTP\r\n')).toEqual({ state: 'more' });
  });
  it('ssh - an over-long identification line is cut to 253 bytes', () => {
    const r = scan(`SSH-2.0-${'x'.repeat(400)}`);
    expect(r.state).toBe('found');
    expect(r.state === 'found' && r.banner.length).toBe(253);
  });
  it('ssh - control characters are not passed on', () => {
    expect(scan('SSH-2.0-a\u001b[31mb\r\n')).toEqual({ state: 'found', banner: 'SSH-2.0-a?[31mb' });
  });
  it('ssh - a peer that talks at length without SSH- is not an SSH server', () => {
    expect(scan(Buffer.alloc(SSH_PREAMBLE_MAX_BYTES + 1, 'a\n')).state).toBe('invalid');
  });
});

describe('ssh - against local servers', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** A server on 127.0.0.1:0 that does `onConnection` with every client. */
  async function serve(onConnection: (socket: Socket) => void): Promise<number> {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      onConnection(socket);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    return port;
  }

  const runner = createProbeRunner();

  it('ssh - reads the banner of an SSH server', async () => {
    let heard = 0;
    const port = await serve((s) => {
      s.on('data', (d) => (heard += d.length));
      s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n');
    });
    const r = await runner.run({ id: 's1', kind: 'ssh', target: '127.0.0.1', port });
    console.log(`ssh banner probe: ${r.durationMs.toFixed(1)} ms`, r.detail);
    expect(r).toMatchObject({ ok: true, detail: { kind: 'ssh', port, banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2' } });
    const d = r.detail as SshDetail;
    expect(d.connectMs).toBeGreaterThanOrEqual(0);
    expect(d.bannerMs).toBeGreaterThanOrEqual(0);
    expect(heard).toBe(0);
  });

  it('ssh - a server that accepts but never writes fails with no banner at the timeout', async () => {
    const port = await serve(() => {});
    const r = await runner.run({ id: 's2', kind: 'ssh', target: '127.0.0.1', port, timeoutMs: 300 });
    console.log(`ssh silent server: ${r.durationMs.toFixed(1)} ms`, r.error);
    expect(r).toMatchObject({ ok: false, error: { code: 'no_banner' }, detail: { banner: null, bannerMs: null } });
    expect(r.error?.message).toMatch(/no SSH banner within \d+ ms/);
    expect((r.detail as SshDetail).connectMs).not.toBeNull();
    expect(r.durationMs).toBeGreaterThanOrEqual(290);
    expect(r.durationMs).toBeLessThan(1000);
  });

  it('ssh - a server speaking something else and hanging up fails with no banner, quoting it', async () => {
    const port = await serve((s) => s.end('220 mail ESMTP ready\r\n'));
    const r = await runner.run({ id: 's3', kind: 'ssh', target: '127.0.0.1', port, timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: false, error: { code: 'no_banner' } });
    expect(r.error?.message).toContain('"220 mail ESMTP ready"');
    expect(r.durationMs).toBeLessThan(1000);
  });

  it('ssh - a reset connection is reported as reset', async () => {
    const port = await serve((s) => s.resetAndDestroy());
    const r = await runner.run({ id: 's4', kind: 'ssh', target: '127.0.0.1', port, timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: false, error: { code: 'reset' } });
  });

  it('ssh - a closed port is refused fast', async () => {
    const port = await closedPort();
    const r = await runner.run({ id: 's5', kind: 'ssh', target: '127.0.0.1', port });
    console.log(`ssh closed port: ${r.durationMs.toFixed(1)} ms`, r.error);
    expect(r).toMatchObject({ ok: false, error: { code: 'refused' }, detail: { connectMs: null } });
    expect(r.durationMs).toBeLessThan(2_000);
  });

  it('ssh - port 22 by default', async () => {
    const r = await runner.run({ id: 's6', kind: 'ssh', target: 'nohost.invalid' });
    expect(r).toMatchObject({ ok: false, error: { code: 'not_found' }, detail: { port: 22 } });
  });
});
