import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, MAX_CONFIG_DURATION_MS, readYamlConfig } from '@vigil/shared';
import { resolveConfig } from '../../packages/agent/src/config.js';
import { parseServices } from '../../packages/agent/src/services/schema.js';
import { fuzz, fuzzTimeout, mutated, oddString } from './fuzz.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const README = readFileSync(join(HERE, '..', '..', 'packages', 'agent', 'README.md'), 'utf8');

/** The config examples users copy from the agent's README, as the fuzzer's starting points. */
const EXAMPLES = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((y) => /^(coordinators|services|logPatterns|hostId):/m.test(y));

const LAUGHS = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nlabels: {x: *d}\n`;

const TOP = ['coordinators', 'hostId', 'interval', 'dataDir', 'tls', 'labels', 'logLevel', 'sshPort', 'services', 'logPatterns'];
const SERVICE = ['name', 'manager', 'unit', 'command', 'cwd', 'env', 'ports', 'checks', 'logs', 'accessLog', 'memoryLimit', 'recovery', 'journal'];
const scalar = fc.oneof(
  fc.constantFrom('5s', '0', 0, 30, '999999999d', '25d', '1e309s', 'systemd', 'process', 'http', 'tcp', 'none', '127.0.0.1:7400', 'web-1', '/srv', -1, 65536, true, null, '512MB', 'x'.repeat(300)),
  oddString(40),
  fc.double(),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.oneof(fc.constantFrom(...SERVICE, 'type', 'url', 'port', 'budget', 'max', 'window', 'regex', 'flags', 'cause', 'patterns'), oddString(8)), tie('v'), { maxKeys: 4 })),
})).v;
const service = fc.dictionary(fc.constantFrom(...SERVICE), value, { maxKeys: 6 });
const structured = fc
  .record(
    {
      coordinators: fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })),
      hostId: scalar,
      interval: scalar,
      labels: fc.dictionary(oddString(10), scalar, { maxKeys: 4 }),
      sshPort: scalar,
      services: fc.oneof(fc.array(service, { maxLength: 3 }), value),
      logPatterns: value,
      unknownKey: scalar,
    },
    { requiredKeys: [] },
  )
  // JSON is YAML: the structure arrives as a file, as a user's would.
  .map((o) => JSON.stringify(o));

const dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A refusal line reads `field (flag): what (got value)` or names the file; never a stack or a whole file. */
function expectClearProblems(err: unknown): void {
  if (!(err instanceof ConfigError)) throw new Error(`threw ${err instanceof Error ? `${err.constructor.name}: ${err.message.slice(0, 300)}` : String(err)} instead of a ConfigError`);
  expect(err.problems.length).toBeGreaterThan(0);
  for (const p of err.problems) {
    expect(p.length).toBeGreaterThan(0);
    // A YAML syntax error shows the line and a caret under it: a few short lines.
    for (const line of p.split('\n')) expect(line.length).toBeLessThanOrEqual(600);
  }
}

describe('fuzz - the agent config file', () => {
  it('any file text gives a frozen config with bounded durations, or a ConfigError whose lines name what is wrong', () => {
    const text = fc.oneof(mutated([...EXAMPLES, LAUGHS]), structured, oddString(300));
    let n = 0;
    let accepted = 0;
    fuzz('agent config YAML', 250, fc.tuple(text, fc.boolean()), ([yaml, withHostId]) => {
      const file = join(dir, `c${n++}.yaml`);
      writeFileSync(file, yaml);
      let config;
      try {
        config = resolveConfig(readYamlConfig(file), withHostId ? { hostId: 'fuzz-host' } : {});
      } catch (err) {
        expectClearProblems(err);
        return;
      } finally {
        rmSync(file, { force: true });
      }
      accepted++;
      expect(Object.isFrozen(config)).toBe(true);
      expect(config.intervalMs).toBeLessThanOrEqual(3_600_000);
      for (const s of config.services) {
        for (const c of s.checks) expect(c.interval).toBeLessThanOrEqual(MAX_CONFIG_DURATION_MS);
        for (const v of Object.values(s.recovery)) if (typeof v === 'number') expect(v).toBeLessThanOrEqual(MAX_CONFIG_DURATION_MS);
      }
    });
    console.log(`[measure] fuzz agent config YAML: ${accepted} files accepted`);
    expect(accepted).toBeGreaterThan(0);
  }, fuzzTimeout());
});

/** Mostly a valid value, sometimes a damaged one: most services reach the deeper checks. */
const mostly = <T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<unknown> = scalar) => fc.oneof({ weight: 6, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: odd });
const duration = mostly(fc.constantFrom('5s', '1m', '30s', '24d', '1.5h', '250ms'), fc.constantFrom('0', '25d', '999999999d', '-1s', '5', 'soon', 5, 1e309));
const check = fc.oneof(
  fc.record({ type: fc.constant('http'), url: mostly(fc.constantFrom('http://127.0.0.1:8080/health', 'https://[::1]/'), fc.constantFrom('ftp://x', 'http://', 'x'.repeat(300))), timeout: duration, interval: duration }, { requiredKeys: ['type', 'url'] }),
  fc.record({ type: fc.constant('tcp'), port: mostly(fc.integer({ min: 1, max: 65_535 }), fc.integer({ min: -1, max: 70_000 })), interval: duration }, { requiredKeys: ['type', 'port'] }),
  fc.record({ type: fc.constant('resources') }, { requiredKeys: ['type'] }),
);
const nearService = fc.oneof(
  fc.record(
    {
      name: mostly(fc.constantFrom('api', 'web', 'db@1'), fc.constantFrom('-x', '', 'a b', 'x'.repeat(200))),
      manager: fc.constant('process'),
      command: mostly(fc.constant(['/usr/bin/node', 'server.js']), fc.constantFrom([], [''], 'node')),
      checks: fc.array(check, { maxLength: 3 }),
      ports: fc.array(mostly(fc.integer({ min: 1, max: 65_535 }), fc.integer({ min: -1, max: 70_000 })), { maxLength: 3 }),
      memoryLimit: mostly(fc.constantFrom('512MB', '2GiB', 1024), fc.constantFrom('1e309B', '9'.repeat(40), '-1KB', `${'9'.repeat(30)}GiB`)),
      recovery: fc.record({ enabled: fc.boolean(), budget: fc.record({ max: mostly(fc.integer({ min: 1, max: 10 })), window: duration }, { requiredKeys: [] }), watchAfterRestart: duration, monitorEvery: duration, logLookback: duration }, { requiredKeys: [] }),
    },
    { requiredKeys: ['name', 'manager', 'command'] },
  ),
  fc.record({ name: fc.constantFrom('nginx', 'db'), manager: fc.constant('systemd'), unit: mostly(fc.constantFrom('nginx.service', 'a\\x2d.service'), fc.constantFrom('-evil', 'a b', '')), checks: fc.array(check, { maxLength: 2 }) }, { requiredKeys: ['name', 'manager', 'unit'] }),
);

describe('fuzz - service declarations', () => {
  it('a services list gives frozen specs with positive durations of at most 24d and sane sizes, or a ConfigError naming services[i]', () => {
    let accepted = 0;
    fuzz('services schema', 150, fc.oneof({ weight: 5, arbitrary: fc.array(nearService, { maxLength: 3 }) }, { weight: 1, arbitrary: value }), (input) => {
      let specs;
      try {
        specs = parseServices(input, { defaultIntervalMs: 5000, field: 'services' });
      } catch (err) {
        expectClearProblems(err);
        for (const p of (err as ConfigError).problems) expect(p).toMatch(/^services/);
        return;
      }
      accepted += specs.length;
      expect(Object.isFrozen(specs)).toBe(true);
      for (const s of specs) {
        for (const c of s.checks) expect(c.interval > 0 && c.interval <= MAX_CONFIG_DURATION_MS).toBe(true);
        for (const v of Object.values(s.recovery)) if (typeof v === 'number') expect(v >= 0 && v <= MAX_CONFIG_DURATION_MS).toBe(true);
        if (s.memoryLimit !== undefined) expect(Number.isSafeInteger(s.memoryLimit) && s.memoryLimit > 0).toBe(true);
      }
    });
    console.log(`[measure] fuzz services schema: ${accepted} services accepted`);
    expect(accepted).toBeGreaterThan(0);
  }, fuzzTimeout());
});
