import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, GroupTracker, httpGet, killChildren, script, waitFor } from '../../test-fixtures/helpers.js';
import { ServiceCommandError } from './errors.js';
import type { ExitNotice, LogLine } from './manager.js';
import { ProcessManager, type ProcessManagerOptions } from './process.js';
import { processRecordFile } from './process-record.js';
import { readProcStat } from './procfs-read.js';
import { parseServices, type ProcessServiceSpec } from './schema.js';

const tracker = new GroupTracker();
const managers: ProcessManager[] = [];
const bystanders: ChildProcess[] = [];

function manager(command: string[], env: Record<string, string> = {}, options: ProcessManagerOptions = {}): ProcessManager {
  const [spec] = parseServices([{ name: 'fixture', manager: 'process', command, env }], { defaultIntervalMs: 1_000 });
  const m = new ProcessManager(spec as ProcessServiceSpec, options);
  managers.push(m);
  return m;
}

async function started(m: ProcessManager): Promise<number> {
  await m.start();
  const [pid] = await m.pids();
  tracker.add(pid);
  return pid!;
}

afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  await killChildren(bystanders);
  // Every group these tests started must be empty once its manager is closed.
  expect(await tracker.killAll()).toEqual([]);
});

describe('ProcessManager (real child processes)', () => {
  it('start - runs the service in its own process group and captures its output', async () => {
    const port = await freePort();
    const m = manager([process.execPath, script('http-server.mjs')], { PORT: String(port) });
    const seen: LogLine[] = [];
    m.onLog((l) => seen.push(l));
    const pid = await started(m);
    const stat = await readProcStat(pid);
    expect(stat?.pgrp).toBe(pid);
    expect(stat?.pgrp).not.toBe(process.pid);
    const res = await waitFor(() => httpGet(port), 5_000, 'the fixture to serve');
    expect(res).toEqual({ status: 200, pid });
    await waitFor(() => seen.some((l) => l.text.startsWith('listening on')), 2_000, 'the listening line');
    expect((await m.recentLogs(0)).map((l) => l.text)).toContain(`listening on 127.0.0.1:${port} pid ${pid}`);
    expect(await m.status()).toMatchObject({ state: 'running', pids: [pid] });
  });

  it('start - a second start while running is a no-op, as systemctl start would be', async () => {
    const m = manager([process.execPath, '-e', 'setInterval(() => {}, 1000)']);
    const pid = await started(m);
    await m.start();
    expect(await m.pids()).toEqual([pid]);
  });

  it('stop - SIGTERM to the group, waits for the exit, reports inactive', async () => {
    const port = await freePort();
    const m = manager([process.execPath, script('http-server.mjs')], { PORT: String(port) });
    await started(m);
    await waitFor(() => httpGet(port), 5_000, 'the fixture to serve');
    const r = await m.stop(5_000);
    expect(r.exited).toBe(true);
    expect(r.forced).toBe(false);
    expect(r.waitedMs).toBeLessThan(5_000);
    expect(await m.status()).toMatchObject({ state: 'inactive', pids: [], detail: 'stopped (exited with code 0)' });
  });

  it('stop - kills the group after the grace when SIGTERM is ignored', async () => {
    const port = await freePort();
    const m = manager([process.execPath, script('hang.mjs')], { PORT: String(port) });
    const seen: string[] = [];
    m.onLog((l) => seen.push(l.text));
    await started(m);
    await waitFor(() => seen.some((t) => t.startsWith('hanging')), 5_000, 'the fixture to listen');
    const r = await m.stop(300);
    expect(r).toMatchObject({ exited: true, forced: true });
    expect(r.waitedMs).toBeGreaterThanOrEqual(300);
    expect(seen).toContain('SIGTERM ignored');
    expect((await m.status()).state).toBe('inactive');
  });

  it('stop - does not wait when the processes are already gone', async () => {
    const m = manager([process.execPath, '-e', 'process.exit(0)']);
    const exited = new Promise<ExitNotice>((resolve) => m.onExit(resolve));
    await started(m);
    await exited;
    const r = await m.stop(5_000);
    expect(r).toEqual({ exited: true, forced: false, waitedMs: 0 });
  });

  it('onExit - a kill -9 is noticed at once, the status says how it died', async () => {
    const m = manager([process.execPath, '-e', 'setInterval(() => {}, 1000)']);
    const exited = new Promise<{ notice: ExitNotice; at: number }>((resolve) => m.onExit((notice) => resolve({ notice, at: performance.now() })));
    const pid = await started(m);
    const t0 = performance.now();
    process.kill(pid, 'SIGKILL');
    const { notice, at } = await exited;
    expect(notice).toMatchObject({ pid, code: null, signal: 'SIGKILL' });
    // Event-driven: far sooner than any status poll would notice (the agent polls every 5 s).
    expect(at - t0).toBeLessThan(1_000);
    expect(await m.status()).toMatchObject({ state: 'failed', detail: 'killed by signal SIGKILL' });
  });

  it('forceKill - reaches the whole group (grandchildren too) and nothing outside it', async () => {
    // Not the service's: a process of the same name in another group must survive.
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    bystanders.push(bystander);
    tracker.add(bystander.pid);
    const m = manager(['sh', '-c', 'sleep 30 & sleep 30 & wait']);
    const pid = await started(m);
    const members = await waitFor(async () => ((await m.pids()).length >= 3 ? m.pids() : undefined), 5_000, 'the grandchildren');
    expect(members[0]).toBe(pid);
    await m.forceKill();
    expect(await m.pids()).toEqual([]);
    expect((await m.status()).state).toBe('inactive');
    expect((await readProcStat(bystander.pid!))?.state).toMatch(/^[RS]$/);
  });

  it('status - a config error exits 1: failed, and the line is in the captured logs', async () => {
    const m = manager([process.execPath, script('fail-parse.mjs')]);
    const exited = new Promise<ExitNotice>((resolve) => m.onExit(resolve));
    await started(m);
    expect((await exited).code).toBe(1);
    await waitFor(async () => (await m.recentLogs(0)).length > 0, 2_000, 'the stderr line');
    expect(await m.status()).toMatchObject({ state: 'failed', detail: 'exited with code 1' });
    expect((await m.recentLogs(0))[0]).toMatchObject({ stream: 'stderr', text: expect.stringContaining('Failed to parse config') });
    await m.resetFailed();
    expect((await m.status()).state).toBe('inactive');
  });

  it('start - a program that cannot be spawned is a ServiceCommandError and a failed status', async () => {
    const m = manager(['/nonexistent/vigil-fixture']);
    await expect(m.start()).rejects.toBeInstanceOf(ServiceCommandError);
    expect(await m.status()).toMatchObject({ state: 'failed', detail: expect.stringContaining('ENOENT') });
  });

  it('restart - a new process replaces the old one', async () => {
    const m = manager([process.execPath, '-e', 'process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000)']);
    const first = await started(m);
    await m.restart();
    const [second] = await m.pids();
    tracker.add(second);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect((await m.status()).state).toBe('running');
  });

  it('adopt - a second manager takes over the recorded group (same pid), notices its death from /proc, refuses a reused pid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-adopt-'));
    try {
      const port = await freePort();
      const cmd = [process.execPath, script('http-server.mjs')];
      const record = processRecordFile(join(dir, 'fixture.process.json'));
      // The first "agent" starts the service and dies without stopping it (no close()).
      const first = new ProcessManager(parseServices([{ name: 'fixture', manager: 'process', command: cmd, env: { PORT: String(port) } }], { defaultIntervalMs: 1_000 })[0] as ProcessServiceSpec, { record });
      const pid = await started(first);
      await waitFor(() => httpGet(port), 5_000, 'the service to serve');
      expect(record.load()).toMatchObject({ pid, pgid: pid, command: cmd, starttime: (await readProcStat(pid))!.starttime });

      const second = manager(cmd, { PORT: String(port) }, { record, adoptPollMs: 20 });
      const adopted = await second.adopt();
      expect(adopted).toMatchObject({ adopted: true, pid, pgid: pid });
      expect(await second.status()).toMatchObject({ state: 'running', pids: [pid] });
      const exits: ExitNotice[] = [];
      second.onExit((n) => exits.push(n));
      process.kill(pid, 'SIGKILL');
      await waitFor(() => exits.length > 0, 5_000, 'the exit noticed from /proc');
      expect(exits[0]).toMatchObject({ pid, code: null, signal: null });
      expect(await second.status()).toMatchObject({ state: 'failed', detail: expect.stringContaining('adopted from an earlier agent') });

      // A record whose pid now belongs to another process (other start time) is not adopted.
      const other = await started(manager(cmd, { PORT: String(await freePort()) }));
      record.save({ pgid: other, pid: other, starttime: 1, command: cmd, startedAtMs: Date.now() });
      expect(await manager(cmd, {}, { record }).adopt()).toEqual({ adopted: false, detail: expect.stringContaining(`pid ${other} now belongs to another process`) });
      expect(record.load()).toBeUndefined();

      // The config changed while no agent ran: the live copy of the old command is stopped, not adopted.
      const oldCmd = [process.execPath, '-e', 'setInterval(() => {}, 1000)'];
      const old = new ProcessManager(parseServices([{ name: 'fixture', manager: 'process', command: oldCmd }], { defaultIntervalMs: 1_000 })[0] as ProcessServiceSpec, { record });
      const oldPid = await started(old);
      const replaced = await manager(cmd, {}, { record }).adopt();
      expect(replaced).toMatchObject({ adopted: false, stoppedPid: oldPid, detail: expect.stringMatching(/^stopped pid \d+ left by an earlier agent: it ran /) });
      await waitFor(async () => (await readProcStat(oldPid)) === undefined || (await readProcStat(oldPid))!.state === 'Z', 3_000, 'the old copy gone');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adopt - a copy started by an agent that died before recording it is found by its marker and adopted; a marked copy of another command is stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-orphan-'));
    try {
      const port = await freePort();
      const cmd = [process.execPath, script('http-server.mjs')];
      const record = processRecordFile(join(dir, 'fixture.process.json'));
      const tag = join(dir, 'fixture');
      const first = manager(cmd, { PORT: String(port) }, { record, instanceTag: tag });
      const pid = await started(first);
      await waitFor(() => httpGet(port), 5_000, 'the service to serve');
      // The agent died between the start and the record: nothing names the copy.
      record.clear();
      // Another agent's service with the same command but another tag is not taken.
      const stranger = await started(manager(cmd, { PORT: String(await freePort()) }, { instanceTag: join(dir, 'other') }));

      const second = manager(cmd, { PORT: String(port) }, { record, instanceTag: tag, adoptPollMs: 20 });
      expect(await second.adopt()).toMatchObject({ adopted: true, pid, pgid: pid });
      expect(await second.status()).toMatchObject({ state: 'running', pids: [pid] });
      expect(record.load()).toMatchObject({ pid, command: cmd, starttime: (await readProcStat(pid))!.starttime });
      expect((await readProcStat(stranger))?.state).not.toBe('Z');

      // Without a tag nothing is looked for.
      record.clear();
      expect(await manager(cmd, {}, { record }).adopt()).toEqual({ adopted: false, detail: 'no process recorded' });

      // A marked copy of a command the config no longer declares is stopped, not adopted.
      const oldCmd = [process.execPath, '-e', 'setInterval(() => {}, 1000)'];
      const oldTag = join(dir, 'changed');
      const old = await started(manager(oldCmd, {}, { record: processRecordFile(join(dir, 'changed.process.json')), instanceTag: oldTag }));
      processRecordFile(join(dir, 'changed.process.json')).clear();
      const replaced = await manager(cmd, {}, { record: processRecordFile(join(dir, 'changed.process.json')), instanceTag: oldTag }).adopt();
      expect(replaced).toMatchObject({ adopted: false, stoppedPid: old });
      await waitFor(async () => (await readProcStat(old)) === undefined || (await readProcStat(old))!.state === 'Z', 3_000, 'the old copy gone');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('output file - the service writes to a file that outlives its manager, so it keeps serving and logging; the adopter follows the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-out-'));
    try {
      const port = await freePort();
      const cmd = [process.execPath, script('http-server.mjs')];
      const env = { PORT: String(port), LOG_REQUESTS: '1' };
      const record = processRecordFile(join(dir, 'fixture.process.json'));
      const outputFiles = { stdout: join(dir, 'fixture.stdout'), stderr: join(dir, 'fixture.stderr') };
      const spec = parseServices([{ name: 'fixture', manager: 'process', command: cmd, env }], { defaultIntervalMs: 1_000 })[0] as ProcessServiceSpec;
      const first = new ProcessManager(spec, { record, outputFiles });
      const seen: LogLine[] = [];
      first.onLog((l) => seen.push(l));
      const pid = await started(first);
      await waitFor(() => seen.some((l) => l.text === `listening on 127.0.0.1:${port} pid ${pid}`), 5_000, 'the listening line, read from the file');
      await waitFor(async () => (await httpGet(port))?.status === 200, 5_000, 'the service to serve');
      await waitFor(() => seen.some((l) => l.text === 'GET / 200' && l.stream === 'stdout'), 2_000, 'a request line');
      // The "agent" goes away without a word (no close()): with pipes, the next line would kill the service (EPIPE).
      const followers = (first as unknown as { followers?: Record<'stdout' | 'stderr', { stop(): void }> }).followers!;
      followers.stdout.stop();
      followers.stderr.stop();
      for (let i = 0; i < 5; i++) expect(await httpGet(port, 1000)).toEqual({ status: 200, pid });

      const second = manager(cmd, env, { record, outputFiles });
      const later: LogLine[] = [];
      second.onLog((l) => later.push(l));
      expect(await second.adopt()).toMatchObject({ adopted: true, pid });
      await httpGet(port, 1000);
      await waitFor(() => later.some((l) => l.text === 'GET / 200'), 2_000, 'the adopted service logging, followed from the file');
      expect(later.some((l) => l.text.startsWith('listening on'))).toBe(false); // followed from the end, not replayed
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('release - a graceful agent stop leaves the service serving, its record kept and no exit reported; the next manager adopts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-release-'));
    try {
      const port = await freePort();
      const cmd = [process.execPath, script('http-server.mjs')];
      const env = { PORT: String(port) };
      const record = processRecordFile(join(dir, 'fixture.process.json'));
      const outputFiles = { stdout: join(dir, 'fixture.stdout'), stderr: join(dir, 'fixture.stderr') };
      const first = manager(cmd, env, { record, outputFiles });
      const exits: ExitNotice[] = [];
      first.onExit((n) => exits.push(n));
      const pid = await started(first);
      await waitFor(async () => (await httpGet(port))?.status === 200, 5_000, 'the service to serve');
      await first.release();
      for (let i = 0; i < 3; i++) expect(await httpGet(port, 1000)).toEqual({ status: 200, pid });
      expect(record.load()).toMatchObject({ pid });
      const second = manager(cmd, env, { record, outputFiles });
      expect(await second.adopt()).toMatchObject({ adopted: true, pid });
      // Its end is the adopter's to notice now, not the releaser's.
      process.kill(pid, 'SIGKILL');
      await waitFor(async () => (await second.status()).state !== 'running', 5_000, 'the adopter noticing the end');
      expect(exits).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('release - without a record or output files nothing could adopt the service: it is stopped, as close() does', async () => {
    const m = manager([process.execPath, '-e', 'setInterval(() => {}, 1000)']);
    const pid = await started(m);
    await m.release();
    await waitFor(async () => (await readProcStat(pid, '/proc').catch(() => undefined)) === undefined, 5_000, 'the service gone');
  });
});
