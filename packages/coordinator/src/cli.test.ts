import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@vigil/shared';
import { describe, expect, it } from 'vitest';
import { parseCli } from './cli.js';

const base = ['--nats', 'none', '--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0'];

function withFile(yaml: string): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-coord-cli-')), 'coordinator.yaml');
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
