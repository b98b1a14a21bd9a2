import { FakeClock } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import type { SampleRound } from './collectors/runner.js';
import { Sampler } from './sampler.js';

function round(takenAtMs: number): SampleRound {
  return { sample: { takenAtMs, cpu: null, memory: null, filesystems: [], network: [] }, statuses: [] };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('sampler', () => {
  it('refresh - runs at start and then once per interval on its own timer', async () => {
    const clock = new FakeClock();
    let runs = 0;
    const sampler = new Sampler(
      {
        run: async () => {
          runs++;
          return round(clock.now());
        },
      },
      { intervalMs: 1000, clock },
    );
    await sampler.start();
    expect(runs).toBe(1);
    clock.advance(999);
    await flush();
    expect(runs).toBe(1);
    clock.advance(1);
    await flush();
    expect(runs).toBe(2);
    sampler.stop();
    clock.advance(5000);
    await flush();
    expect(runs).toBe(2);
  });

  it('latest - keeps serving the previous round while a slow round is running', async () => {
    const clock = new FakeClock();
    let release: ((r: SampleRound) => void) | undefined;
    let n = 0;
    const sampler = new Sampler(
      {
        run: () => (n++ === 0 ? Promise.resolve(round(1)) : new Promise<SampleRound>((r) => (release = r))),
      },
      { intervalMs: 1000, clock },
    );
    await sampler.start();
    clock.advance(1000);
    await flush();
    expect(release).toBeDefined();
    expect(sampler.latest()?.sample.takenAtMs).toBe(1);
    release!(round(2));
    await flush();
    expect(sampler.latest()?.sample.takenAtMs).toBe(2);
    sampler.stop();
  });
});
