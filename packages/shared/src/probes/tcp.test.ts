import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createProbeRunner } from './index.js';
import type { TcpDetail } from './types.js';

describe('tcp - connect', () => {
  const runner = createProbeRunner();
  let server: Server;
  afterAll(() => new Promise((r) => server?.close(r)));

  it('tcp - a listening port accepts', async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const r = await runner.run({ id: 't1', kind: 'tcp', target: '127.0.0.1', port });
    expect(r).toMatchObject({ ok: true, detail: { kind: 'tcp', port } });
    expect((r.detail as TcpDetail).connectMs).toBeGreaterThanOrEqual(0);
  });

  it('tcp - a closed port is refused fast', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise((r) => probe.close(r));
    const r = await runner.run({ id: 't2', kind: 'tcp', target: '127.0.0.1', port });
    expect(r).toMatchObject({ ok: false, error: { code: 'refused' }, detail: { port, connectMs: null } });
    expect(r.durationMs).toBeLessThan(2_000);
  });

  it('tcp - ::1 works too', async () => {
    const v6 = createServer((s) => s.destroy());
    await new Promise<void>((r) => v6.listen(0, '::1', r));
    const { port } = v6.address() as AddressInfo;
    const r = await runner.run({ id: 't3', kind: 'tcp', target: '::1', port });
    await new Promise((res) => v6.close(res));
    expect(r).toMatchObject({ ok: true });
  });

  it('tcp - a port is required', async () => {
    const r = await runner.run({ id: 't4', kind: 'tcp', target: '127.0.0.1' });
    expect(r).toMatchObject({ ok: false, detail: null, error: { code: 'invalid_request' } });
    expect(r.error?.message).toBe('port: required for tcp probes (got missing)');
  });
});
