import { describe, expect, it } from 'vitest';
import { parseServices } from '../services/schema.js';
import { capDetail, DETAIL_CAP_BYTES, runCheck, type HealthCheck } from './check.js';
import { HttpCheck } from './http.js';
import { CHECKS, createCheck } from './registry.js';
import { ResourcesCheck } from './resources.js';
import { TcpCheck } from './tcp.js';

const ctx = { pids: async () => [] };

describe('check runner', () => {
  it('capDetail - caps at 512 bytes of UTF-8 without splitting a character', () => {
    expect(capDetail('short')).toBe('short');
    const capped = capDetail('é'.repeat(600));
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(DETAIL_CAP_BYTES);
    expect(capped.endsWith('…')).toBe(true);
    expect(capped).not.toContain('\ufffd');
  });

  it('runCheck - a throwing check is a failed result, not an exception', async () => {
    const broken: HealthCheck = { name: 'x', type: 'tcp', run: async () => Promise.reject(new Error('boom')) };
    const r = await runCheck(broken, ctx);
    expect(r).toMatchObject({ ok: false, detail: 'check error: boom' });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('runCheck - caps what a check says', async () => {
    const noisy: HealthCheck = { name: 'x', type: 'tcp', run: async () => ({ ok: false, detail: 'x'.repeat(10_000), durationMs: 1 }) };
    expect(Buffer.byteLength((await runCheck(noisy, ctx)).detail)).toBeLessThanOrEqual(DETAIL_CAP_BYTES);
  });

  it('registry - one factory per kind, named after the target', () => {
    const [svc] = parseServices([{ name: 'a', manager: 'process', command: ['x'], checks: [{ type: 'http', url: 'http://127.0.0.1:1/' }, { type: 'tcp', port: 2 }, { type: 'resources' }] }], { defaultIntervalMs: 1_000 });
    const checks = svc!.checks.map((c) => createCheck(c));
    expect(Object.keys(CHECKS).sort()).toEqual(['http', 'resources', 'tcp']);
    expect(checks[0]).toBeInstanceOf(HttpCheck);
    expect(checks[1]).toBeInstanceOf(TcpCheck);
    expect(checks[2]).toBeInstanceOf(ResourcesCheck);
    expect(checks.map((c) => c.name)).toEqual(['http http://127.0.0.1:1/', 'tcp 127.0.0.1:2', 'resources']);
  });
});
