import { ConfigError } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { createManager, MANAGERS } from './managers.js';
import { checkName, parseServices } from './schema.js';

const parse = (input: unknown) => parseServices(input, { defaultIntervalMs: 5_000 });

function problems(input: unknown): string[] {
  try {
    parse(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('service declarations', () => {
  it('schema - fills every runbook number as a default', () => {
    const [svc] = parse([
      {
        name: 'web',
        manager: 'systemd',
        unit: 'nginx.service',
        checks: [{ type: 'http', url: 'http://127.0.0.1:8080/health' }, { type: 'tcp', port: 8080 }, { type: 'resources' }],
      },
    ]);
    expect(svc).toMatchObject({ journal: true, logs: [] });
    expect(svc!.checks).toEqual([
      { type: 'http', url: 'http://127.0.0.1:8080/health', timeout: 5_000, tlsSkipVerify: false, interval: 5_000, failuresBeforeCritical: 2, successesBeforePassing: 2 },
      { type: 'tcp', host: '127.0.0.1', port: 8080, timeout: 5_000, interval: 5_000, failuresBeforeCritical: 2, successesBeforePassing: 2 },
      { type: 'resources', cpuPercent: 90, memoryPercent: 90, interval: 5_000, failuresBeforeCritical: 2, successesBeforePassing: 2 },
    ]);
    expect(svc!.recovery).toEqual({
      enabled: true,
      budget: { max: 3, window: 900_000 },
      gracefulStopTimeout: 5_000,
      watchAfterRestart: 30_000,
      stableAfterStart: 1_000,
      startTimeout: 30_000,
      monitorEvery: 30_000,
      monitorFor: 600_000,
      monitorFailures: 2,
      logLookback: 300_000,
    });
  });

  it('schema - every number is a setting; durations take 500ms, 5s, 1m', () => {
    const [svc] = parse([
      {
        name: 'api',
        manager: 'process',
        command: ['node', 'server.js'],
        cwd: '/srv/api',
        env: { PORT: '8080' },
        checks: [{ type: 'http', url: 'https://127.0.0.1/', timeout: '500ms', interval: '1s', failuresBeforeCritical: 3, successesBeforePassing: 1, expectStatus: [204] }],
        recovery: { budget: { max: 5, window: '1h' }, gracefulStopTimeout: '1s', watchAfterRestart: '10s', monitorEvery: '5s', monitorFor: '1m', monitorFailures: 3, logLookback: '2m', startTimeout: '20s', stableAfterStart: '0ms' },
      },
    ]);
    expect(svc).toMatchObject({ manager: 'process', command: ['node', 'server.js'], env: { PORT: '8080' } });
    expect(svc!.checks[0]).toMatchObject({ timeout: 500, interval: 1_000, failuresBeforeCritical: 3, successesBeforePassing: 1, expectStatus: [204] });
    expect(svc!.recovery).toMatchObject({ budget: { max: 5, window: 3_600_000 }, gracefulStopTimeout: 1_000, watchAfterRestart: 10_000, monitorEvery: 5_000, monitorFor: 60_000, monitorFailures: 3, logLookback: 120_000, startTimeout: 20_000, stableAfterStart: 0 });
  });

  it('schema - the result is frozen', () => {
    const list = parse([{ name: 'a', manager: 'process', command: ['true'] }]);
    expect(Object.isFrozen(list)).toBe(true);
    expect(Object.isFrozen(list[0]!.recovery.budget)).toBe(true);
  });

  it('schema - errors name the field and the value', () => {
    const p = problems([
      { name: 'web', manager: 'systemd', unit: '-H evil', checks: [{ type: 'http', url: 'ftp://x', timeout: '5x' }, { type: 'tcp', port: 70000 }] },
      { name: 'web', manager: 'process', command: [] },
      { name: 'x', manager: 'docker' },
    ]);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^services\[0\]\.unit: is not a systemd unit name .*\(got "-H evil"\)$/),
        expect.stringMatching(/^services\[0\]\.checks\[0\]\.url: must be an http:\/\/ or https:\/\/ URL \(got "ftp:\/\/x"\)$/),
        expect.stringMatching(/^services\[0\]\.checks\[0\]\.timeout: "5x" is not a duration/),
        expect.stringMatching(/^services\[0\]\.checks\[1\]\.port: .*\(got 70000\)$/),
        expect.stringMatching(/^services\[1\]\.command: must name at least the program to run \(got \[\]\)$/),
        expect.stringMatching(/^services\[2\]\.manager: .*\(got "docker"\)$/),
      ]),
    );
  });

  it('schema - duplicate service names and check names are refused', () => {
    const p = problems([
      { name: 'a', manager: 'process', command: ['x'], checks: [{ type: 'tcp', port: 1 }, { type: 'tcp', port: 1 }] },
      { name: 'a', manager: 'process', command: ['y'] },
    ]);
    expect(p).toEqual(expect.arrayContaining([expect.stringMatching(/^services\[1\]\.name: is declared twice \(got "a"\)$/), expect.stringMatching(/^services\[0\]\.checks\[1\]: repeats the check name "tcp 127\.0\.0\.1:1"/)]));
  });

  it('schema - zero durations are refused where they make no sense, unknown keys too', () => {
    const p = problems([{ name: 'a', manager: 'process', command: ['x'], checks: [{ type: 'tcp', port: 1, interval: '0ms' }], recovery: { budget: { max: 0 }, monitorEvery: 0 }, extra: 1 }]);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^services\[0\]\.checks\[0\]\.interval: must be longer than 0 ms \(got "0ms"\)$/),
        expect.stringMatching(/^services\[0\]\.recovery\.budget\.max: must be an integer of at least 1 \(got 0\)$/),
        expect.stringMatching(/^services\[0\]\.recovery\.monitorEvery: must be longer than 0 ms \(got 0\)$/),
        expect.stringMatching(/^services\[0\]: Unrecognized key: "extra"/),
      ]),
    );
  });

  it('checkName - derived from the target unless given', () => {
    const [svc] = parse([{ name: 'a', manager: 'process', command: ['x'], checks: [{ type: 'http', url: 'http://127.0.0.1:1/' }, { type: 'tcp', port: 2, name: 'db port' }] }]);
    expect(svc!.checks.map(checkName)).toEqual(['http http://127.0.0.1:1/', 'db port']);
  });

  it('managers table - one factory per kind', () => {
    const [sd, pr] = parse([
      { name: 'a', manager: 'systemd', unit: 'a.service' },
      { name: 'b', manager: 'process', command: ['true'] },
    ]);
    expect(Object.keys(MANAGERS).sort()).toEqual(['process', 'systemd']);
    expect(createManager(sd!).kind).toBe('systemd');
    expect(createManager(pr!).kind).toBe('process');
  });
});

// Counterexample found by test/fuzz/agent-config.fuzz.test.ts: 999...9GiB became 1e39 bytes.
describe('service declarations - memory limits', () => {
  const svc = (memoryLimit: unknown) => [{ name: 'api', manager: 'process', command: ['node'], memoryLimit }];

  it('a size is exact and between 1 B and 1 PiB', () => {
    expect(parse(svc('2GiB'))[0]!.memoryLimit).toBe(2 * 1024 ** 3);
    expect(problems(svc(`${'9'.repeat(30)}GiB`))).toEqual([expect.stringMatching(/^services\[0\]\.memoryLimit: "9{30}GiB" is not a size between 1 B and 1 PiB/)]);
    expect(problems(svc('0B'))).toEqual([expect.stringMatching(/is not a size between 1 B and 1 PiB/)]);
    expect(problems(svc(2 ** 51))[0]).toMatch(/^services\[0\]\.memoryLimit: must be at most 1 PiB/);
  });
});
