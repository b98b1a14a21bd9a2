import { systemClock } from '../clock.js';
import { describe, expect, it } from 'vitest';
import { createDnsProbe, dnsProbe } from './dns.js';
import { createProbeRunner, PROBES, ProbeRunner } from './index.js';
import type { DnsDetail, ProbeContext } from './types.js';

describe('dns - resolution', () => {
  const runner = createProbeRunner();

  it('dns - localhost resolves to a loopback address', async () => {
    const r = await runner.run({ id: 'd1', kind: 'dns', target: 'localhost' });
    console.log(`dns localhost: ${r.durationMs.toFixed(1)} ms`, r.detail);
    expect(r).toMatchObject({ ok: true, detail: { kind: 'dns', skipped: false } });
    const addresses = (r.detail as DnsDetail).addresses;
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((a) => a.startsWith('127.') || a === '::1')).toBe(true);
  });

  it.each(['127.0.0.1', '::1'])('dns - the IP literal %s is skipped', async (target) => {
    const r = await runner.run({ id: 'd2', kind: 'dns', target });
    expect(r).toMatchObject({ ok: true, detail: { kind: 'dns', skipped: true, addresses: [target] } });
  });

  it('dns - a name under .invalid fails without asking a resolver', async () => {
    let asked = 0;
    const probes = { ...PROBES, dns: createDnsProbe({ resolve: async () => { asked += 1; return ['127.0.0.1']; } }) };
    const r = await new ProbeRunner(probes).run({ id: 'd3', kind: 'dns', target: 'nohost.invalid' });
    expect(r).toMatchObject({ ok: false, error: { code: 'not_found' }, detail: { skipped: false, addresses: [] } });
    expect(asked).toBe(0);
    expect(await dnsProbe.run({ id: 'x', kind: 'dns', target: 'NoHost.Invalid.' }, ctx(1000))).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('dns - resolver errors map to stable codes', async () => {
    const probe = createDnsProbe({ resolve: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND db.example'), { code: 'ENOTFOUND' })) });
    expect(await probe.run({ id: 'x', kind: 'dns', target: 'db.example' }, ctx(1000))).toMatchObject({ ok: false, error: { code: 'not_found', message: 'getaddrinfo ENOTFOUND db.example' } });
  });

  it('dns - an empty answer is a failure', async () => {
    const probe = createDnsProbe({ resolve: async () => [] });
    expect(await probe.run({ id: 'x', kind: 'dns', target: 'db.example' }, ctx(1000))).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('dns - a resolver that never answers times out at the budget', async () => {
    const probe = createDnsProbe({ resolve: () => new Promise(() => {}) });
    const t0 = performance.now();
    const r = await probe.run({ id: 'x', kind: 'dns', target: 'db.example' }, ctx(150));
    expect(r).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

/** A context for calling a probe directly, without a runner. */
function ctx(timeoutMs: number): ProbeContext {
  return { timeoutMs, signal: new AbortController().signal, clock: systemClock, now: () => performance.now() };
}
