import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNetworkCollector, networkRates, parseNetDev } from './network.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const devA = fixture('net-dev.a.txt');
const devB = fixture('net-dev.b.txt');

describe('network collector', () => {
  it('parseNetDev - reads every interface with byte and error counters', () => {
    const parsed = parseNetDev(devA);
    expect(parsed.map((c) => c.name)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    expect(parsed.find((c) => c.name === 'eth0')).toEqual({ name: 'eth0', rxBytes: 209042142, rxErrors: 0, txBytes: 388613, txErrors: 0 });
  });

  it('parseNetDev - accepts the old format without a space after the colon', () => {
    const text = 'h1\nh2\n  eth1:100 2 3 0 0 0 0 0 200 4 5 0 0 0 0 0\n';
    expect(parseNetDev(text)).toEqual([{ name: 'eth1', rxBytes: 100, rxErrors: 3, txBytes: 200, txErrors: 5 }]);
  });

  it('parseNetDev - rejects a truncated line', () => {
    expect(() => parseNetDev('h1\nh2\n eth0: 1 2 3\n')).toThrow(/cannot parse/);
  });

  it('networkRates - bytes per second between two captured readings', () => {
    const rates = networkRates(parseNetDev(devA), parseNetDev(devB), 2);
    // lo moved 41892 -> 41992 both ways in the capture.
    expect(rates.find((r) => r.name === 'lo')).toEqual({ name: 'lo', rxBytesPerSec: 50, txBytesPerSec: 50, rxErrors: 0, txErrors: 0 });
    expect(rates.find((r) => r.name === 'eth0')?.rxBytesPerSec).toBe(0);
  });

  it('networkRates - a counter that went down gives 0; a new interface counts from zero', () => {
    const prev = [{ name: 'eth0', rxBytes: 1000, rxErrors: 0, txBytes: 1000, txErrors: 0 }];
    const cur = [
      { name: 'eth0', rxBytes: 10, rxErrors: 1, txBytes: 1100, txErrors: 2 },
      { name: 'wg0', rxBytes: 300, rxErrors: 0, txBytes: 600, txErrors: 0 },
    ];
    expect(networkRates(prev, cur, 1)).toEqual([
      { name: 'eth0', rxBytesPerSec: 0, txBytesPerSec: 100, rxErrors: 1, txErrors: 2 },
      { name: 'wg0', rxBytesPerSec: 300, txBytesPerSec: 600, rxErrors: 0, txErrors: 0 },
    ]);
  });

  it('collector - skips lo; first rates are since boot, then since the last sample', async () => {
    const reads = [devA, devB];
    let now = 0;
    const c = createNetworkCollector({ read: async () => reads.shift()!, now: () => now, uptimeSec: () => 1000 });
    const first = await c.collect();
    expect(first.network!.map((n) => n.name)).toEqual(['ifb0', 'ifb1', 'eth0']);
    expect(first.network!.find((n) => n.name === 'eth0')?.rxBytesPerSec).toBe(209042.14);
    now = 1000;
    const second = await c.collect();
    expect(second.network!.find((n) => n.name === 'eth0')?.rxBytesPerSec).toBe(0);
  });
});
