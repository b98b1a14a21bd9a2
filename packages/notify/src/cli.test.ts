import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/vigil-notify.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../examples/notify.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vigil-notify --check', () => {
  it('prints the effective routes and receivers of the example config, exit 0', () => {
    const r = run('--check', EXAMPLE);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('  default route → alertmanager\n    route 1: level=3 → pagerduty, continue\n');
    expect(r.out).toContain('  pagerduty (pagerduty): timeout 10000 ms, 14 attempts, backoff 1000-30000 ms, then fallback oncall-mail\n');
  });

  it('names the line, field and value of each problem, exit 2', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'receivers:\n  - { name: a, type: slack, url: "not a url" }\nroute:\n  receiver: a\n  routes:\n    - { match: { level: 5 }, receiver: a }\n');
    const r = run('--check', file);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`${file}: line 2: receivers[0].url:`);
    expect(r.err).toContain(`${file}: line 6: route.routes[0].match.level: level "5" is not 1, 2 or 3 (got 5)`);
  });

  it('a missing file and a missing --config are errors, exit 2', () => {
    expect(run('--check', join(dir, 'nope.yaml'))).toMatchObject({ code: 2, err: expect.stringContaining('cannot read') });
    expect(run()).toMatchObject({ code: 2, err: expect.stringContaining('--config FILE is required') });
  });
});
