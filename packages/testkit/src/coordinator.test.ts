import { chmodSync, existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Coordinator } from './coordinator.js';
import { getRaw } from './http-get.js';
import { COORDINATOR_BIN, REPO_ROOT, stopAllChildren } from './processes.js';
import { removeTempDirs, tempDir } from './temp-dir.js';

afterAll(async () => {
  await stopAllChildren();
  removeTempDirs();
});

describe('Coordinator', () => {
  it('is ready once ports.json is written and /healthz answers, and comes back on the same ports', async () => {
    const c = await Coordinator.start({ nats: 'none', logLevel: 'warn' });
    expect(c.baseUrl).toBe(`http://127.0.0.1:${c.httpPort}`);
    expect(c.grpcTarget).toBe(`127.0.0.1:${c.grpcPort}`);
    expect(existsSync(c.portsFile)).toBe(true);
    expect((await getRaw(`${c.baseUrl}/healthz`)).status).toBe(200);
    const { grpcPort, httpPort, pid } = c;
    const exit = await c.restart();
    expect(exit).toEqual({ code: 0, signal: null });
    expect([c.grpcPort, c.httpPort]).toEqual([grpcPort, httpPort]);
    expect(c.pid).not.toBe(pid);
    expect(c.exits).toEqual([exit]);
    await c.stop();
    expect(c.child.running).toBe(false);
  });

  it('passes node arguments before the program and runs in the given directory', async () => {
    const cwd = tempDir('coordinator-cwd');
    const c = await Coordinator.start({ nats: 'none', logLevel: 'warn', nodeArgs: ['--max-old-space-size=256'], cwd });
    // The shipped flags first (node-flags.json, as the packaged launcher passes them), then the caller's.
    const shipped = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/coordinator/node-flags.json'), 'utf8')) as string[];
    expect(shipped).toContain('--max-semi-space-size=16');
    expect(c.child.args.slice(0, shipped.length + 2)).toEqual([...shipped, '--max-old-space-size=256', expect.stringMatching(/vigil-coordinator\.js$/)]);
    expect(readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(shipped));
    expect(c.child.args).toEqual(expect.arrayContaining(['--data-dir', c.dataDir, '--log-level', 'warn']));
    expect(readlinkSync(`/proc/${c.pid}/cwd`)).toBe(cwd);
    await c.stop();
  });

  it('runs a given launcher instead, handing it this node and the node arguments as a release launcher takes them', async () => {
    // A launcher of the release's shape (bin/vigil-coordinator: VIGIL_NODE, VIGIL_NODE_FLAGS),
    // starting the source tree's program.
    const dir = tempDir('coordinator-launcher');
    const launcher = join(dir, 'vigil-coordinator');
    writeFileSync(launcher, `#!/bin/sh\nexec "$VIGIL_NODE" $VIGIL_NODE_FLAGS ${COORDINATOR_BIN} "$@"\n`);
    chmodSync(launcher, 0o755);
    const c = await Coordinator.start({ nats: 'none', logLevel: 'warn', program: launcher, nodeArgs: ['--max-old-space-size=256', '--stack-size=900'] });
    expect((await getRaw(`${c.baseUrl}/healthz`)).status).toBe(200);
    // exec: the PID is node's, started with the flags through the launcher.
    const cmdline = readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline.slice(0, 4)).toEqual([process.execPath, '--max-old-space-size=256', '--stack-size=900', COORDINATOR_BIN]);
    expect(cmdline).toEqual(expect.arrayContaining(['--data-dir', c.dataDir]));
    const { grpcPort } = c;
    await c.restart();
    expect(c.grpcPort).toBe(grpcPort);
    expect(readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').split('\0')[0]).toBe(process.execPath);
    await c.stop();
  });

  // How far the process got before the timeout depends on the machine's load: only its
  // command line is certain to be in the message.
  it('names ports.json and shows the process when the coordinator cannot start', async () => {
    await expect(Coordinator.start({ nats: 'none', extraArgs: ['--no-such-flag'], startTimeoutMs: 2000 })).rejects.toThrow(/timed out after 2000 ms waiting for .*ports\.json; last observation: --- vigil-coordinator#1 \(pid \d+, [^)]*\): \S+ .*--no-such-flag/);
  });
});
