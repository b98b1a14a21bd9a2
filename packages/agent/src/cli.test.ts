import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readYamlConfig } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { EXIT_CONFIG, OPTIONS, helpText, parseCli, type CliEnv, type CliOutcome } from './cli.js';
import type { AgentConfig } from './config.js';

function env(files: Record<string, Record<string, unknown>> = {}, hostname = 'Box-1'): CliEnv {
  return {
    hostname: () => hostname,
    readConfigFile: (file) => {
      const doc = files[file];
      if (!doc) throw new Error(`no fixture for ${file}`);
      return doc;
    },
  };
}

function run(argv: string[], e: CliEnv = env()): AgentConfig {
  const out = parseCli(argv, e);
  if (out.type !== 'run') throw new Error(`expected a config, got ${JSON.stringify(out)}`);
  return out.config;
}

function fail(argv: string[], e: CliEnv = env()): string {
  const out: CliOutcome = parseCli(argv, e);
  if (out.type !== 'fail') throw new Error(`expected a failure, got ${JSON.stringify(out)}`);
  expect(out.exitCode).toBe(EXIT_CONFIG);
  expect(EXIT_CONFIG).toBe(2);
  return out.message;
}

describe('cli - defaults and values', () => {
  it('defaults - loopback coordinator, hostname as host id, 5 s, ./vigil-agent-data, no TLS', () => {
    const c = run([]);
    const { logPatterns, ...rest } = c;
    expect(rest).toEqual({
      coordinators: [{ host: '127.0.0.1', port: 7400, address: '127.0.0.1:7400' }],
      hostId: 'box-1',
      intervalMs: 5000,
      livenessIntervalMs: 1000,
      dataDir: path.resolve('vigil-agent-data'),
      tls: undefined,
      labels: {},
      logLevel: 'info',
      services: [],
    });
    expect(logPatterns.map((p) => p.cause)).toEqual(['memory_exhaustion', 'disk_space_full', 'configuration_error', 'address_in_use']);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.coordinators[0])).toBe(true);
  });

  it('coordinators - comma list and repeated flags keep their order', () => {
    const c = run(['--coordinator', '127.0.0.1:7400,localhost:7401', '--coordinator', '[::1]:7402']);
    expect(c.coordinators.map((t) => t.address)).toEqual(['127.0.0.1:7400', 'localhost:7401', '[::1]:7402']);
  });

  it('host id - FQDNs are accepted and lower-cased', () => {
    expect(run(['--host-id', 'Web-1.EU.Example.com.']).hostId).toBe('web-1.eu.example.com');
  });

  it('interval - accepts 500ms, 5s and 1m', () => {
    expect(['500ms', '5s', '1m'].map((v) => run(['--interval', v]).intervalMs)).toEqual([500, 5000, 60_000]);
  });

  it('labels - repeatable key=value, the value may contain "="', () => {
    expect(run(['--label', 'zone=eu-1', '--label', 'role=db=primary']).labels).toEqual({ zone: 'eu-1', role: 'db=primary' });
  });

  it('tls - all three files allow a remote coordinator', () => {
    const c = run(['--coordinator', 'coord.example.com:7400', '--tls-ca', 'ca.pem', '--tls-cert', 'a.pem', '--tls-key', 'a.key']);
    expect(c.tls).toEqual({ ca: 'ca.pem', cert: 'a.pem', key: 'a.key' });
  });
});

describe('cli - config file', () => {
  const file = {
    coordinators: ['127.0.0.2:7400', '127.0.0.3:7400'],
    hostId: 'from-file',
    interval: '1m',
    dataDir: '/var/lib/vigil-agent',
    labels: { zone: 'eu-1', rack: 'r7' },
    tls: { ca: 'file-ca.pem', cert: 'file-cert.pem', key: 'file-key.pem' },
    logLevel: 'warn',
  };

  it('file - supplies every option', () => {
    const c = run(['--config', 'a.yaml'], env({ 'a.yaml': file }));
    expect(c).toMatchObject({ hostId: 'from-file', intervalMs: 60_000, dataDir: '/var/lib/vigil-agent', logLevel: 'warn', labels: { zone: 'eu-1', rack: 'r7' } });
    expect(c.coordinators.map((t) => t.address)).toEqual(['127.0.0.2:7400', '127.0.0.3:7400']);
  });

  it('precedence - the command line wins, key by key inside labels and tls', () => {
    const c = run(['--config', 'a.yaml', '--host-id', 'cli-host', '--interval', '2s', '--label', 'zone=us-2', '--tls-ca', 'cli-ca.pem'], env({ 'a.yaml': file }));
    expect(c.hostId).toBe('cli-host');
    expect(c.intervalMs).toBe(2000);
    expect(c.labels).toEqual({ zone: 'us-2', rack: 'r7' });
    expect(c.tls).toEqual({ ca: 'cli-ca.pem', cert: 'file-cert.pem', key: 'file-key.pem' });
  });

  it('file - a comma string works for coordinators too', () => {
    const c = run(['--config', 'b.yaml'], env({ 'b.yaml': { coordinators: '127.0.0.1:1, 127.0.0.1:2' } }));
    expect(c.coordinators.map((t) => t.port)).toEqual([1, 2]);
  });

  it('file - a real YAML file is read through readYamlConfig', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-cli-'));
    const f = path.join(dir, 'agent.yaml');
    writeFileSync(f, 'coordinators:\n  - 127.0.0.1:7500\ninterval: 750ms\nlabels:\n  zone: eu-1\n');
    const c = run(['--config', f], { hostname: () => 'h', readConfigFile: readYamlConfig });
    rmSync(dir, { recursive: true, force: true });
    expect([c.coordinators[0]!.port, c.intervalMs, c.labels.zone]).toEqual([7500, 750, 'eu-1']);
  });

  it('file - an unknown key is refused', () => {
    expect(fail(['--config', 'c.yaml'], env({ 'c.yaml': { intervall: '5s' } }))).toMatch(/config file: unknown key "intervall" \(known keys: coordinators, hostId, interval/);
  });

  it('file - a missing file names --config and the path', () => {
    const msg = fail(['--config', '/nonexistent/agent.yaml'], { hostname: () => 'h', readConfigFile: readYamlConfig });
    expect(msg).toMatch(/--config: cannot read "\/nonexistent\/agent.yaml"/);
  });
});

describe('cli - errors name the field and the bad value, exit status 2', () => {
  // Counterexamples found by test/fuzz/agent-config.fuzz.test.ts: each once gave a line of 700-900 characters.
  it('long values are quoted cut short: a label key, a coordinator, a check interval past 24d', () => {
    const longKey = '9'.repeat(400);
    const msg = fail(['--config', 'l.yaml'], env({ 'l.yaml': { labels: { [longKey]: 'x' } } }));
    expect(msg).toMatch(/labels\.9{37}\.\.\. \(--label\): label key "9{37}\.\.\." must be 1-63/);
    for (const line of msg.split('\n')) expect(line.length).toBeLessThan(400);

    const far = fail(['--config', 'c.yaml'], env({ 'c.yaml': { coordinators: [`${'9'.repeat(400)}coord-1.example.com:7400`] } }));
    expect(far).toMatch(/coordinators \(--coordinator\): "9{77}\.\.\." does not start with a host name or address/);
    for (const line of far.split('\n')) expect(line.length).toBeLessThan(400);

    const services = [{ name: 'web', manager: 'process', command: ['web'], checks: [{ type: 'tcp', port: 80, interval: '999d' }] }];
    expect(fail(['--config', 's.yaml'], env({ 's.yaml': { services } }))).toContain('services[0].checks[0].interval: "999d" is longer than 24d, the longest a timer can wait');
  });

  it('interval - a unit-less or unknown duration', () => {
    expect(fail(['--interval', '5'])).toContain('interval (--interval): 5 has no unit; write 5s or 5000ms, or 5ms if milliseconds were meant');
    expect(fail(['--interval', '5x'])).toContain('interval (--interval): "5x" is not a duration');
    expect(fail(['--interval', '50ms'])).toMatch(/interval \(--interval\): must be at least 100ms \(got "50ms"\)/);
  });

  it('interval - a bare number in the config file is refused like on the command line', () => {
    expect(fail(['--config', 'a.yaml'], env({ 'a.yaml': { interval: 500 } }))).toContain('interval (--interval): 500 has no unit; write 500s or 500000ms, or 500ms if milliseconds were meant');
  });

  it('services - a unit-less duration names the service, the field and the value', () => {
    const services = [
      { name: 'web', manager: 'process', command: ['web'], recovery: { watchAfterRestart: '30s' } },
      { name: 'api', manager: 'process', command: ['api'], checks: [{ type: 'tcp', port: 80, interval: 250 }], recovery: { watchAfterRestart: 30, budget: { window: 900 } } },
    ];
    const msg = fail(['--config', 's.yaml'], env({ 's.yaml': { services } }));
    expect(msg).toContain('services[1].recovery.watchAfterRestart: 30 has no unit; write 30s or 30000ms');
    expect(msg).toContain('services[1].recovery.budget.window: 900 has no unit');
    expect(msg).toContain('services[1].checks[0].interval: 250 has no unit');
    expect(msg).not.toContain('services[0]');
  });

  it('logPatterns - a regex that can backtrack exponentially is refused, naming the field and the pattern', () => {
    const logPatterns = [{ cause: 'slow_cause', patterns: ['fine', { regex: '^(a+)+$' }], diagnosis: 'd', fix: 'f', prevention: 'p' }];
    const msg = fail(['--config', 'p.yaml'], env({ 'p.yaml': { logPatterns } }));
    expect(msg).toContain('logPatterns[0].patterns[1].regex: unsafe regular expression: the repeated part "(a+)+" contains another repetition "a+"');
    expect(msg).toContain('(got "^(a+)+$")');
  });

  it('file - a YAML syntax error names the line and column and shows the line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-'));
    const f = path.join(dir, 'agent.yaml');
    writeFileSync(f, 'interval: 1s\nlabels:\n  zone: "eu-1\n');
    const msg = fail(['--config', f], { hostname: () => 'h', readConfigFile: readYamlConfig });
    expect(msg).toMatch(/is not valid YAML: line 4 \(end of file\): Missing closing /);
    expect(msg).toContain('3 |   zone: "eu-1');
    rmSync(dir, { recursive: true });
  });

  it('host id - an invalid hostname', () => {
    expect(fail(['--host-id', 'web_1'])).toMatch(/hostId \(--host-id\): host id has an invalid label "web_1".*\(got "web_1"\)/);
  });

  it('host id - an invalid machine hostname says to pass --host-id', () => {
    expect(fail([], env({}, 'my_box'))).toMatch(/\(got "my_box"\); it defaults to this machine's hostname, so pass a valid --host-id/);
  });

  it('coordinator - not HOST:PORT', () => {
    expect(fail(['--coordinator', '127.0.0.1'])).toMatch(/coordinators \(--coordinator\): "127.0.0.1" is not HOST:PORT \(got "127.0.0.1"\)/);
  });

  it('security - a non-loopback coordinator without TLS is refused', () => {
    expect(fail(['--coordinator', '127.0.0.1:7400,10.0.0.5:7400'])).toMatch(
      /coordinators \(--coordinator\): "10.0.0.5:7400" is not a loopback address and plaintext is only allowed to loopback coordinators; give --tls-ca, --tls-cert and --tls-key/,
    );
  });

  it('tls - one or two of the three files is refused', () => {
    expect(fail(['--tls-ca', 'ca.pem'])).toMatch(/tls \(--tls-ca\/--tls-cert\/--tls-key\): TLS needs all of ca, cert and key, or none of them \(got \{"ca":"ca.pem"\}\)/);
  });

  it('labels - not key=value, and a bad key', () => {
    expect(fail(['--label', 'zone'])).toMatch(/labels \(--label\): "zone" is not KEY=VALUE/);
    expect(fail(['--label', 'bad key=1'])).toMatch(/labels.bad key \(--label\): label key "bad key"/);
  });

  it('log level - an unknown level', () => {
    expect(fail(['--log-level', 'loud'])).toMatch(/logLevel \(--log-level\): .*\(got "loud"\)/);
  });

  it('data dir - empty', () => {
    expect(fail(['--data-dir', ''])).toMatch(/dataDir \(--data-dir\): must not be empty \(got ""\)/);
  });

  it('command line - unknown option, missing value, stray argument', () => {
    expect(fail(['--colour'])).toMatch(/Unknown option '--colour'/);
    expect(fail(['--interval'])).toMatch(/Option '--interval <value>' argument missing/);
    expect(fail(['start'])).toMatch(/unexpected argument "start"/);
  });

  it('several problems - every one is listed', () => {
    const msg = fail(['--interval', 'soon', '--host-id', '-bad-']);
    expect(msg.split('\n').filter((l) => l.startsWith('  '))).toHaveLength(2);
  });
});

describe('cli - --check', () => {
  it('check - validates exactly as a start does and asks to print the config instead of running', () => {
    const out = parseCli(['--check', '--host-id', 'web-1', '--interval', '2s'], env());
    expect(out.type).toBe('check');
    expect((out as { config: AgentConfig }).config).toEqual(run(['--host-id', 'web-1', '--interval', '2s']));
    expect(fail(['--check', '--interval', '5'])).toMatch(/interval \(--interval\): 5 has no unit/);
  });
});

describe('cli - help and version', () => {
  it('help - lists every option with its default', () => {
    const out = parseCli(['--help'], env());
    expect(out).toMatchObject({ type: 'print', exitCode: 0 });
    const text = (out as { text: string }).text;
    expect(text).toBe(helpText());
    for (const o of OPTIONS) {
      const line = text.split('\n').find((l) => l.includes(`--${o.name}`));
      expect(line, o.name).toBeDefined();
      if (o.default) expect(line).toContain(`(default: ${o.default})`);
    }
    expect(text).toContain('(default: 127.0.0.1:7400)');
    expect(text).toContain('(default: 5s)');
    expect(text).toContain('(default: ./vigil-agent-data)');
  });

  it('version - prints the package version', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(parseCli(['--version'], env())).toEqual({ type: 'print', text: `vigil-agent ${version}\n`, exitCode: 0 });
  });

  it('write-code-cache - asks for the cache alone, whatever else the command line says (no config is read)', () => {
    expect(parseCli(['--write-code-cache'], env())).toEqual({ type: 'write-code-cache' });
    expect(parseCli(['--write-code-cache', '--config', '/etc/vigil/agent.yaml'], env())).toEqual({ type: 'write-code-cache' });
  });
});
