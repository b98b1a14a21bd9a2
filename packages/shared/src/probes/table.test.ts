import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../clock.js';
import { capResult } from './cap.js';
import { createProbeRunner } from './index.js';
import { validateProbeRequest } from './schema.js';
import type { ProbeResult } from './types.js';
import { probeResultToWire } from './wire.js';

/*
 * A probe kind registered only by one line in PROBES (the mock below adds it, as a
 * contributor's line would) is accepted by the request schema with its own rules, run by
 * the runner, capped by its own cap and flattened by its own wire fields.
 */
vi.mock('./table.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./table.js')>();
  const smtp = {
    kind: 'smtp',
    defaultTimeoutMs: 1000,
    minTimeoutMs: 100,
    needsPort: true,
    capDetail: (d: { banner: string }) => ({ ...d, banner: d.banner.slice(0, 8) }),
    toWire: (d: { banner: string }) => ({ banner: d.banner }),
    run: async (request: { port?: number }) => ({ ok: true, detail: { kind: 'smtp', banner: `220 mail.example ESMTP on ${request.port}` } }),
  };
  const PROBES = { ...original.PROBES, smtp };
  return { ...original, PROBES, PROBE_KINDS: Object.keys(PROBES) };
});

describe('probe table', () => {
  it('PROBES - a kind registered by one line there is accepted by the schema, with its own rules', () => {
    expect(validateProbeRequest({ id: 'a', kind: 'smtp', target: '127.0.0.1', port: 25 })).toMatchObject({ ok: true, request: { kind: 'smtp', port: 25 } });
    expect(validateProbeRequest({ id: 'a', kind: 'smtp', target: '127.0.0.1' })).toEqual({ ok: false, message: 'port: required for smtp probes (got missing)' });
    expect(validateProbeRequest({ id: 'a', kind: 'smtp', target: '127.0.0.1', port: 25, url: 'http://127.0.0.1/' })).toEqual({ ok: false, message: 'url: only http probes take a url, not smtp (got "http://127.0.0.1/")' });
  });

  it('PROBES - the runner runs it, its own cap applies and its own wire fields are sent', async () => {
    const runner = createProbeRunner({ clock: new FakeClock() });
    const result = await runner.run({ id: 'a', kind: 'smtp', target: '127.0.0.1', port: 25 });
    runner.close();
    expect(result).toMatchObject({ ok: true, kind: 'smtp', detail: { kind: 'smtp', banner: '220 mail' } });
    expect(probeResultToWire(result)).toMatchObject({ kind: 'smtp', ok: true, banner: '220 mail', statusCode: 0, addresses: [], refused: '' });
  });

  it('PROBES - the built-in kinds keep their caps and wire fields', () => {
    const base = { id: 'a', target: 'h', ok: true, startedAtMs: 0, durationMs: 1, queuedMs: 0 };
    const dns = capResult({ ...base, kind: 'dns', detail: { kind: 'dns', skipped: true, addresses: Array.from({ length: 20 }, (_, i) => `10.0.0.${i}`) } } as ProbeResult);
    expect(dns.detail).toMatchObject({ addresses: expect.arrayContaining(['10.0.0.0']) });
    expect((dns.detail as unknown as { addresses: string[] }).addresses).toHaveLength(16);
    expect(probeResultToWire(dns)).toMatchObject({ refused: 'skipped', addresses: expect.any(Array) });
    const ping = { ...base, kind: 'ping', detail: { kind: 'ping', transmitted: 4, received: 3, lossPercent: 25, rttMinMs: 1, rttAvgMs: null, rttMaxMs: 1, rttMdevMs: 0, exitCode: 1 } } as ProbeResult;
    expect(probeResultToWire(ping)).toMatchObject({ transmitted: 4, received: 3, lossPercent: 25, rttAvgMs: 0, banner: '', statusCode: 0 });
    expect(probeResultToWire({ ...ping, ok: false, error: { code: 'busy', message: 'x' } })).toMatchObject({ refused: 'busy', error: 'busy: x' });
  });
});
