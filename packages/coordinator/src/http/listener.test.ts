import { afterEach, describe, expect, it } from 'vitest';
import { bindHttp, type HttpListener } from './listener.js';

let listener: HttpListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

describe('API listener bound before the build', () => {
  it('knows its URL at once (port 0 → the port the OS chose)', async () => {
    listener = await bindHttp({ host: '127.0.0.1', port: 0 }, {});
    expect(listener.port).toBeGreaterThan(0);
    expect(listener.url).toBe(`http://127.0.0.1:${listener.port}`);
  });

  it('answers 503 with Retry-After until opened, then hands requests to the app', async () => {
    listener = await bindHttp({ host: '127.0.0.1', port: 0 }, {});
    const early = await fetch(`${listener.url}/healthz`);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    expect(await early.json()).toEqual({ error: { code: 'UNAVAILABLE', message: expect.stringMatching(/starting/) } });
    listener.handle((_req, res) => res.end('app'));
    // Handed over is not open: the app may not be ready yet.
    expect((await fetch(`${listener.url}/x`)).status).toBe(503);
    listener.open();
    const late = await fetch(`${listener.url}/x`);
    expect(late.status).toBe(200);
    expect(await late.text()).toBe('app');
  });

  it('refuses to open without the app handler, and closes twice without error', async () => {
    listener = await bindHttp({ host: '127.0.0.1', port: 0 }, {});
    expect(() => listener!.open()).toThrow(/before the app/);
    await listener.close();
    await listener.close();
  });
});
