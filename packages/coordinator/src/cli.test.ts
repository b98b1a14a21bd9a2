import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@vigil/shared';
import { tempDir } from '@vigil/testkit/temp-dir';
import { describe, expect, it } from 'vitest';
import { parseCli } from './cli.js';

const base = ['--nats', 'none', '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0'];

function withFile(yaml: string): string[] {
  const file = join(tempDir('coord-cli'), 'coordinator.yaml');
  writeFileSync(file, yaml);
  return [...base, '--config', file];
}

function problems(argv: string[]): string[] {
  try {
    parseCli(argv);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('coordinator cli - durations', () => {
  it('durations - an escalation time without a unit is refused, naming the class and the value', () => {
    expect(problems(withFile('escalation:\n  service_failure: 3\n  network_issue: 5m\n'))).toEqual([
      'escalation.service_failure: 3 has no unit; write 3s or 3000ms, or 3ms if milliseconds were meant',
    ]);
  });

  it('durations - every bare number in the file is refused, nested ones too', () => {
    const p = problems(withFile('disconnectGrace: 1000\nsettleWindow: 60\npredictions:\n  tick: 250\n'));
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^disconnectGrace: 1000 has no unit; write 1000s or 1000000ms/),
        expect.stringMatching(/^settleWindow: 60 has no unit/),
        expect.stringMatching(/^predictions\.tick: 250 has no unit/),
      ]),
    );
    expect(p).toHaveLength(3);
  });

  it('durations - the command line refuses a bare number the same way', () => {
    expect(problems([...base, '--disconnect-grace', '2'])).toEqual(['disconnectGrace: 2 has no unit; write 2s or 2000ms, or 2ms if milliseconds were meant']);
  });

  it('disconnect grace - a minimum above the longest is refused, naming both', () => {
    expect(problems([...base, '--disconnect-grace', '1s', '--min-disconnect-grace', '2s'])).toEqual([`minDisconnectGrace: must not be above disconnectGrace (1000 ms) (got "2s")`]);
    const fixed = parseCli([...base, '--disconnect-grace', '1s', '--min-disconnect-grace', '1s']);
    if (fixed.kind !== 'run') throw new Error(fixed.kind);
    expect([fixed.config.minDisconnectGrace, fixed.config.disconnectGrace]).toEqual([1000, 1000]);
  });

  it('durations - values with units are read in milliseconds', () => {
    const r = parseCli(withFile('escalation:\n  service_failure: 3s\nsettleWindow: 1.5m\n'));
    if (r.kind !== 'run') throw new Error(r.kind);
    expect(r.config.escalation.service_failure).toBe(3000);
    expect(r.config.settleWindow).toBe(90_000);
  });

  it('file - a YAML syntax error shows the line, the column and the text', () => {
    const [p] = problems(withFile('nats: none\nescalation:\n  service_failure: 3s\n network_issue: 5m\n'));
    expect(p).toMatch(/is not valid YAML: line 4, column \d+: /);
    expect(p).toContain('\n    4 |  network_issue: 5m');
  });
});

describe('coordinator cli - plaintext API listener', () => {
  it('api-plain-listen - a loopback address is accepted', () => {
    const r = parseCli([...base, '--api-plain-listen', '127.0.0.1:7402']);
    if (r.kind !== 'run') throw new Error(r.kind);
    expect(r.config.apiPlainListen).toEqual({ host: '127.0.0.1', port: 7402 });
  });

  it('api-plain-listen - an address beyond loopback is refused, naming the field and the host', () => {
    expect(problems([...base, '--api-plain-listen', '0.0.0.0:7402'])).toEqual([
      'apiPlainListen: the plaintext API listener must be on loopback (127.0.0.1, ::1 or localhost), not "0.0.0.0" (got "0.0.0.0:7402")',
    ]);
    expect(problems(withFile('apiPlainListen: 10.0.0.5:7402\n'))[0]).toMatch(/^apiPlainListen: the plaintext API listener must be on loopback/);
  });
});

describe('coordinator cli - diagnosis slots', () => {
  it('diagnosis-concurrency - 16 by default, a whole number of at least 1 from the file', () => {
    const d = parseCli(base);
    if (d.kind !== 'run') throw new Error(d.kind);
    expect(d.config.diagnosisConcurrency).toBe(16);
    const r = parseCli(withFile('diagnosisConcurrency: 4\n'));
    if (r.kind !== 'run') throw new Error(r.kind);
    expect(r.config.diagnosisConcurrency).toBe(4);
    expect(problems(withFile('diagnosisConcurrency: 0\n'))).toEqual(['diagnosisConcurrency: Too small: expected number to be >=1 (got 0)']);
    expect(problems(withFile('diagnosisConcurrency: 2.5\n'))[0]).toMatch(/^diagnosisConcurrency: .*\(got 2\.5\)$/);
  });
});

describe('coordinator cli - --check', () => {
  it('check - goes through the same validation as a start and asks to print, not to run', () => {
    const r = parseCli([...base, '--check', '--phi-threshold', '9']);
    expect(r.kind).toBe('check');
    if (r.kind !== 'check') throw new Error(r.kind);
    expect(r.config.phiThreshold).toBe(9);
    expect(problems([...base, '--check', '--phi-threshold', 'abc'])[0]).toMatch(/^phiThreshold: .*\(got "abc"\)$/);
  });

  it('check - an unreadable TLS file is a configuration error naming the option and the path', () => {
    const dir = tempDir('coord-cli');
    writeFileSync(join(dir, 'ca.crt'), 'x');
    writeFileSync(join(dir, 'c.crt'), 'x');
    expect(problems([...base, '--check', '--tls-ca', join(dir, 'ca.crt'), '--tls-cert', join(dir, 'c.crt'), '--tls-key', join(dir, 'missing.key')])).toEqual([
      expect.stringMatching(/^tls\.key \(--tls-key\): cannot read ".*missing\.key": ENOENT/),
    ]);
  });
});

describe('coordinator cli - --tokens-file', () => {
  const hash = 'a'.repeat(64);
  function tokensFile(text: string): string {
    const file = join(tempDir('coord-tokens'), 'tokens');
    writeFileSync(file, text);
    return file;
  }

  it('tokens-file - NAME ROLE SHA256 lines, comments and blank lines ignored, make the tokens list', () => {
    const file = tokensFile(`# who role sha256\nops operator ${hash}\n\n  grafana   viewer ${'b'.repeat(64)}  # dashboards\n`);
    const r = parseCli([...base, '--tokens-file', file]);
    if (r.kind !== 'run') throw new Error(r.kind);
    expect(r.config.tokens).toEqual([
      { name: 'ops', role: 'operator', sha256: hash },
      { name: 'grafana', role: 'viewer', sha256: 'b'.repeat(64) },
    ]);
  });

  it('tokens-file - is enough for an API beyond loopback, and replaces the config file list', () => {
    const file = tokensFile(`ops operator ${hash}\n`);
    const cfg = join(tempDir('coord-cli'), 'c.yaml');
    writeFileSync(cfg, `tokens:\n  - {name: old, role: viewer, sha256: ${'c'.repeat(64)}}\n`);
    expect(problems([...base, '--http', '0.0.0.0:0', '--tls-ca', cfg, '--tls-cert', cfg, '--tls-key', cfg])).toEqual([
      'tokens: an API listening on "0.0.0.0" beyond loopback needs at least one token (got missing)',
    ]);
    const r = parseCli([...base, '--http', '0.0.0.0:0', '--tls-ca', cfg, '--tls-cert', cfg, '--tls-key', cfg, '--config', cfg, '--tokens-file', file]);
    if (r.kind !== 'run') throw new Error(r.kind);
    expect(r.config.tokens.map((t) => t.name)).toEqual(['ops']);
  });

  it('tokens-file - every bad line is named with its number, field and value', () => {
    const file = tokensFile(`ops operator ${hash}\nbob admin ${hash}\ncarol viewer ABC\njust-two words\nops viewer ${hash}\n`);
    expect(problems([...base, '--tokens-file', file])).toEqual([
      expect.stringMatching(new RegExp(`^tokens \\(--tokens-file ".*" line 2\\): role: .*\\(got "admin"\\)$`)),
      expect.stringMatching(/line 3\): sha256: must be 64 lower-case hex digits \(SHA-256 of the token\) \(got "ABC"\)$/),
      expect.stringMatching(/line 4\): expected "NAME ROLE SHA256", got 2 words: "just-two words"$/),
      expect.stringMatching(/line 5\): name "ops" is already used on line 1; each token needs its own name$/),
    ]);
  });

  it('tokens-file - a missing file names the flag and the path', () => {
    expect(problems([...base, '--tokens-file', '/nonexistent/vigil-tokens'])).toEqual([
      expect.stringMatching(/^tokens \(--tokens-file\): cannot read "\/nonexistent\/vigil-tokens": ENOENT/),
    ]);
  });
});
