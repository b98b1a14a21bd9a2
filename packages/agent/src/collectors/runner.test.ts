import { FakeClock } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { PartialCollectError } from '../errors.js';
import { CollectorRunner } from './runner.js';
import type { Collector, SamplePart } from './types.js';

const cpuPart: SamplePart = { cpu: { usagePercent: 12.5, load1: 0.1, load5: 0.2, load15: 0.3, cores: 2 } };
const good: Collector = { name: 'cpu', collect: async () => cpuPart };
const throwing: Collector = {
  name: 'memory',
  collect: () => {
    throw new Error('meminfo unreadable');
  },
};
const rejecting: Collector = { name: 'network', collect: async () => Promise.reject(new Error('net/dev gone')) };

function hanging(name: string, calls: { n: number }): Collector {
  return {
    name,
    collect: () => {
      calls.n++;
      return new Promise<SamplePart>(() => {});
    },
  };
}

describe('collector runner', () => {
  it('isolation - a throwing and a rejecting collector cost only their own part', async () => {
    const clock = new FakeClock();
    const runner = new CollectorRunner([good, throwing, rejecting], { clock, now: () => clock.now() });
    const round = await runner.run();
    expect(round.sample.cpu).toEqual(cpuPart.cpu);
    expect(round.sample.memory).toBeNull();
    expect(round.sample.network).toEqual([]);
    expect(round.sample.takenAtMs).toBe(clock.now());
    expect(round.statuses).toEqual([
      { name: 'cpu', ok: true, durationMs: 0, error: '' },
      { name: 'memory', ok: false, durationMs: 0, error: 'meminfo unreadable' },
      { name: 'network', ok: false, durationMs: 0, error: 'net/dev gone' },
    ]);
  });

  it('timeout - a hanging collector is reported after its budget; the rest still goes out', async () => {
    const clock = new FakeClock();
    const calls = { n: 0 };
    const runner = new CollectorRunner([good, hanging('filesystems', calls)], { clock, now: () => clock.now(), timeoutMs: 500 });
    const pending = runner.run();
    clock.advance(500);
    const round = await pending;
    expect(round.sample.cpu).toEqual(cpuPart.cpu);
    expect(round.statuses[1]).toEqual({ name: 'filesystems', ok: false, durationMs: 500, error: 'collector "filesystems" did not finish within 500 ms' });
  });

  it('timeout - a still-hanging collector is not called again next round', async () => {
    const clock = new FakeClock();
    const calls = { n: 0 };
    const runner = new CollectorRunner([hanging('filesystems', calls)], { clock, now: () => clock.now(), timeoutMs: 500 });
    const first = runner.run();
    clock.advance(500);
    await first;
    clock.advance(1000);
    const second = await runner.run();
    expect(calls.n).toBe(1);
    expect(second.statuses[0]).toMatchObject({ ok: false, error: 'collector "filesystems" is still running a call started 1500 ms ago' });
  });

  it('partial - a PartialCollectError ships its part and marks the collector failed', async () => {
    const partial: Collector = {
      name: 'filesystems',
      collect: async () => {
        throw new PartialCollectError('statfs failed for /mnt/nfs', { filesystems: [{ mount: '/', device: '/dev/vda', fsType: 'ext4', sizeBytes: 1, usedBytes: 0, availableBytes: 1, inodesTotal: 0, inodesUsed: 0 }] });
      },
    };
    const round = await new CollectorRunner([partial]).run();
    expect(round.sample.filesystems.map((f) => f.mount)).toEqual(['/']);
    expect(round.statuses[0]).toMatchObject({ name: 'filesystems', ok: false, error: 'statfs failed for /mnt/nfs' });
  });

  it('durations - each collector is timed on its own', async () => {
    let now = 0;
    const slow: Collector = {
      name: 'slow',
      collect: async () => {
        now += 40;
        return {};
      },
    };
    const round = await new CollectorRunner([slow], { now: () => now }).run();
    expect(round.statuses[0]!.durationMs).toBe(40);
  });
});
