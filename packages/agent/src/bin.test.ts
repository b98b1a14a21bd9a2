import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeCoordinator, waitFor } from './test-support/fake-coordinator.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(repo, 'packages/agent/bin/vigil-agent');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children: ChildProcess[] = [];
const servers: FakeCoordinator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of servers.splice(0)) await s.stop();
});

function launch(args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; exited: Promise<Exit>; output: () => string } {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-bin-'));
  dirs.push(cwd);
  const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited, output: () => stderr };
}

describe('vigil-agent binary', () => {
  beforeAll(() => {
    // The binary runs the bundle of dist/; build both from the current sources first.
    execFileSync(path.join(repo, 'node_modules/.bin/tsc'), ['-b', 'packages/agent'], { cwd: repo, stdio: 'inherit' });
    execFileSync(process.execPath, [path.join(repo, 'scripts/bundle-agent.mjs')], { cwd: repo, stdio: 'inherit' });
  }, 120_000);

  it('bad flags - exit 2 and a message naming the field and value', async () => {
    const { exited } = launch(['--interval', 'soon', '--coordinator', '127.0.0.1:7400']);
    const r = await exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/interval \(--interval\): "soon" is not a duration \(use a number with ms, s, m, h or d/);
  });

  it('plaintext to a remote coordinator - refused with exit 2', async () => {
    const r = await launch(['--coordinator', '192.0.2.10:7400']).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"192.0.2.10:7400" is not a loopback address/);
  });

  it('unknown option - exit 2', async () => {
    const r = await launch(['--colour']).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--colour'/);
  });

  it('catastrophic log regex in the config file - refused with exit 2, naming the field and the pattern', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-cfg-'));
    dirs.push(dir);
    const file = path.join(dir, 'agent.yaml');
    writeFileSync(file, "logPatterns:\n  - cause: memory_exhaustion\n    patterns:\n      - regex: '^(a+)+$'\n");
    const r = await launch(['--config', file]).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/logPatterns\[0\]\.patterns\[0\]\.regex: unsafe regular expression: .*\(got "\^\(a\+\)\+\$"\)/);
  });

  it('--help - exit 0 and every option on stdout', async () => {
    const r = await launch(['--help']).exited;
    expect(r.code).toBe(0);
    for (const flag of ['--coordinator', '--host-id', '--interval', '--config', '--data-dir', '--tls-ca', '--tls-cert', '--tls-key', '--label', '--log-level', '--help', '--version']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('SIGTERM - Goodbye reaches the coordinator, then exit 0', async () => {
    const coord = await FakeCoordinator.start();
    servers.push(coord);
    const { child, exited } = launch(['--coordinator', coord.address, '--interval', '200ms', '--host-id', 'bin-test.example.com', '--data-dir', 'state', '--log-level', 'info']);
    await waitFor('a heartbeat from the process', () => coord.heartbeats().length >= 2, 15_000);
    child.kill('SIGTERM');
    const r = await exited;
    expect(r.code).toBe(0);
    const msgs = coord.streams[0]!.messages;
    expect(msgs[0]!.hello!.hostId).toBe('bin-test.example.com');
    expect(msgs.at(-1)).toMatchObject({ body: 'goodbye', goodbye: { reason: 'shutdown' } });
    // Logs are JSON lines on stderr; stdout stays empty.
    expect(r.stdout).toBe('');
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event?: string; msg: string });
    expect(events.map((e) => e.event).filter(Boolean)).toEqual(expect.arrayContaining(['starting', 'connected', 'stopped']));
  });

  it('code cache - the first start writes it after three intervals, the next start runs from it and writes nothing', async () => {
    const coord = await FakeCoordinator.start();
    servers.push(coord);
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-cache-'));
    dirs.push(cacheDir);
    const env = { ...process.env, VIGIL_AGENT_CACHE_DIR: path.join(cacheDir, 'cache') };
    const args = ['--coordinator', coord.address, '--interval', '200ms', '--host-id', 'bin-cache.example.com', '--data-dir', 'state', '--log-level', 'debug'];
    const events = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event?: string; state?: string; file?: string; bytes?: number });

    const first = launch(args, env);
    const written = await waitFor('the code cache written', () => events(first.output()).find((e) => e.event === 'code_cache_written'), 15_000);
    expect(events(first.output()).find((e) => e.event === 'code_cache')).toMatchObject({ state: 'absent', file: written.file });
    expect(readdirSync(path.join(cacheDir, 'cache'))).toEqual([path.basename(written.file!)]);
    expect(written.bytes).toBeGreaterThan(100_000);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const before = coord.heartbeats().length;
    const second = launch(args, env);
    await waitFor('heartbeats from the second start', () => coord.heartbeats().length >= before + 4, 15_000);
    second.child.kill('SIGTERM');
    const r = await second.exited;
    expect(r.code).toBe(0);
    const logged = events(r.stderr);
    expect(logged.find((e) => e.event === 'code_cache')).toMatchObject({ state: 'accepted', file: written.file });
    expect(logged.filter((e) => e.event === 'code_cache_written')).toEqual([]);
  });

  it('--write-code-cache - writes the cache and exits 0; a start then runs from it; again: up to date; no cache directory: exit 2', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-agent-cache-'));
    dirs.push(cacheDir);
    const env = { ...process.env, VIGIL_AGENT_CACHE_DIR: path.join(cacheDir, 'cache') };

    const made = await launch(['--write-code-cache'], env).exited;
    expect(made).toMatchObject({ code: 0, stderr: '' });
    const file = /^code cache written: (\S+) \((\d+) bytes\)\n$/.exec(made.stdout);
    expect(file, made.stdout).not.toBeNull();
    expect(readdirSync(path.join(cacheDir, 'cache'))).toEqual([path.basename(file![1]!)]);

    const coord = await FakeCoordinator.start();
    servers.push(coord);
    const start = launch(['--coordinator', coord.address, '--interval', '200ms', '--host-id', 'bin-warm.example.com', '--data-dir', 'state', '--log-level', 'debug'], env);
    await waitFor('heartbeats from the start', () => (coord.heartbeats().length >= 4 ? true : undefined), 15_000);
    start.child.kill('SIGTERM');
    const r = await start.exited;
    expect(r.code).toBe(0);
    const logged = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event?: string; state?: string; file?: string });
    expect(logged.find((e) => e.event === 'code_cache')).toMatchObject({ state: 'accepted', file: file![1] });

    expect(await launch(['--write-code-cache'], env).exited).toMatchObject({ code: 0, stdout: `code cache up to date: ${file![1]}\n` });
    const off = await launch(['--write-code-cache'], { ...process.env, VIGIL_AGENT_CACHE_DIR: '' }).exited;
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/^vigil-agent: no code cache: no cache directory/);
  });
});
