import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, FakeClock } from '@vigil/shared';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { parseCli, type CliEnv } from './cli.js';
import { resolveConfig } from './config.js';
import { parseServices } from './services/schema.js';
import { FakeDialer } from './test-support/fake-dialer.js';

/*
 * What the coordinator's diagnosis needs to hear from the agent: where this host serves
 * SSH (`sshPort`, or none) and which ports its services serve to other hosts.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const env = (file: Record<string, unknown> = {}): CliEnv => ({ hostname: () => 'box-1', readConfigFile: () => file });

function helloOf(sshPort: unknown): Promise<Record<string, unknown>> {
  const dialer = new FakeDialer();
  const config = resolveConfig({}, { hostId: 'box-1', dataDir: dirs[dirs.push(mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-ssh-'))) - 1]!, sshPort });
  const agent = new Agent({
    config, dialer, clock: new FakeClock(), plugins: [], logger: pino({ level: 'silent' }), collectors: [],
    staticInfo: async () => ({ hostname: 'box-1', os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1.0', arch: 'x64' } }),
    connection: { backoff: { random: () => 0.5 } },
  });
  return agent.start().then(() => dialer.last.written[0]!.hello as Record<string, unknown>);
}

describe('ssh port - the agent setting', () => {
  it('--ssh-port and the file key take a port or none; unset leaves it to the coordinator', () => {
    const run = (argv: string[], file?: Record<string, unknown>) => {
      const out = parseCli(file ? ['--config', 'agent.yaml', ...argv] : argv, env(file));
      if (out.type !== 'run') throw new Error(JSON.stringify(out));
      return out.config.sshPort;
    };
    expect(run([])).toBeUndefined();
    expect(run(['--ssh-port', '2222'])).toBe(2222);
    expect(run(['--ssh-port', 'none'])).toBe('none');
    expect(run([], { sshPort: 2200 })).toBe(2200);
    expect(run(['--ssh-port', '22'], { sshPort: 'none' })).toBe(22);
  });
  it('a bad value names the field, the flag and the value', () => {
    const out = parseCli(['--ssh-port', '70000'], env());
    expect(out).toMatchObject({ type: 'fail', exitCode: 2 });
    expect((out as { message: string }).message).toContain('sshPort (--ssh-port): "70000" is neither a TCP port (1-65535) nor "none"');
    expect(() => resolveConfig({ sshPort: true }, { hostId: 'box-1' })).toThrow(ConfigError);
  });
  it('Hello carries it: the port, 0 for none, nothing when unset', async () => {
    expect((await helloOf(2222)).sshPort).toBe(2222);
    expect((await helloOf('none')).sshPort).toBe(0);
    expect(await helloOf(undefined)).not.toHaveProperty('sshPort');
  });
});

describe('ssh port - service ports', () => {
  it('a service declares the ports it serves to other hosts; none by default; each must be a TCP port', () => {
    const [web, db] = parseServices(
      [
        { name: 'web', manager: 'process', command: ['true'], ports: [80, 443] },
        { name: 'db', manager: 'process', command: ['true'] },
      ],
      { defaultIntervalMs: 1000 },
    );
    expect(web!.ports).toEqual([80, 443]);
    expect(db!.ports).toEqual([]);
    expect(() => parseServices([{ name: 'web', manager: 'process', command: ['true'], ports: [0] }], { defaultIntervalMs: 1000 })).toThrow(/services\[0\]\.ports\[0\]: must be a TCP port \(1-65535\)/);
  });
});
