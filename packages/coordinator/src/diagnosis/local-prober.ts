import { randomUUID } from 'node:crypto';
import { createPingProbe, createProbeRunner, probeResultToWire, type ExecFile, type ProbeRunnerOptions } from '@vigil/shared';
import type { LocalProber } from './vantage.js';

/**
 * The coordinator's own vantage: the same probe implementations the agents run, with
 * room for a fleet-wide outage (many hosts diagnosed at once). `exec` runs ping (the one
 * probe that starts a program); the coordinator passes its ExecHelper's.
 */
export function createLocalProber(options: ProbeRunnerOptions = { concurrency: 32, maxQueued: 1024, ratePerSecond: 200 }, exec?: ExecFile): LocalProber & { close(): void } {
  const runner = createProbeRunner(options, exec ? { ping: createPingProbe({ exec }) } : {});
  return {
    async probe(ask) {
      const r = await runner.run({ id: randomUUID(), ...ask });
      return probeResultToWire(r);
    },
    close: () => runner.close(),
  };
}
