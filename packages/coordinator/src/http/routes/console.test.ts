import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { openApiFixture, type ApiFixture } from '../../test-support/api-fixture.js';
import { hashToken } from '../auth.js';
import { CONSOLE_CSP } from './console.js';

const TOKEN = 'console-test-token-0123456789';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});\n`;

/** buildApp with the console read from `dir` (VIGIL_CONSOLE_DIR is read when the plugin registers). */
async function appWith(fx: ApiFixture, dir: string): Promise<FastifyInstance> {
  const before = process.env.VIGIL_CONSOLE_DIR;
  process.env.VIGIL_CONSOLE_DIR = dir;
  try {
    return await fx.build({ tokens: [{ name: 'alice', role: 'operator', sha256: hashToken(TOKEN) }] });
  } finally {
    if (before === undefined) delete process.env.VIGIL_CONSOLE_DIR;
    else process.env.VIGIL_CONSOLE_DIR = before;
  }
}

describe('http console - static files at /', () => {
  let fx: ApiFixture;
  let built: FastifyInstance;
  let missing: FastifyInstance;
  const root = mkdtempSync(join(tmpdir(), 'vigil-console-'));

  beforeAll(async () => {
    const dist = join(root, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Vigil</title><script type="module" src="/assets/index-abc123.js"></script>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), SCRIPT);
    fx = openApiFixture({ name: 'vigil-console', clock: new FakeClock(Date.parse('2026-12-01T00:00:00Z')) });
    built = await appWith(fx, dist);
    missing = await appWith(fx, join(root, 'nothing-here'));
  });
  afterAll(async () => {
    await fx.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('console - the page loads without a token, with a strict CSP, nosniff and no caching of index.html', async () => {
    const res = await built.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<title>Vigil</title>');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toMatch(/default-src 'self'/);
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('console - page routes fall back to index.html; other unknown paths stay JSON 404s', async () => {
    for (const url of ['/incidents', '/incidents/inc-1', '/hosts/web-1.example.com']) {
      const res = await built.inject({ method: 'GET', url });
      expect([url, res.statusCode, res.body.includes('<title>Vigil</title>')]).toEqual([url, 200, true]);
    }
    const other = await built.inject({ method: 'GET', url: '/no-such-page', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('console - hashed assets are cached for a year and sent gzipped to a browser that accepts it', async () => {
    const gz = await built.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.statusCode).toBe(200);
    expect(gz.headers['content-type']).toMatch(/^text\/javascript/);
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(SCRIPT);
    expect(gz.rawPayload.length).toBeLessThan(SCRIPT.length / 4);
    const plain = await built.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(SCRIPT);
    const absent = await built.inject({ method: 'GET', url: '/assets/index-zzz.js' });
    expect(absent.statusCode).toBe(404);
    const escape = await built.inject({ method: 'GET', url: '/assets/..%2f..%2fpackage.json' });
    expect(escape.statusCode).toBe(404);
  });

  it('console - the API behind it still wants the token', async () => {
    expect((await built.inject({ method: 'GET', url: '/v1/hosts' })).statusCode).toBe(401);
    expect((await built.inject({ method: 'GET', url: '/v1/hosts', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
  });

  it('console - without a built console the page says so with a 503 and how to build it', async () => {
    const res = await missing.inject({ method: 'GET', url: '/hosts/web-1' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/not built/);
    expect(res.body).toMatch(/pnpm run build/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
  });
});
