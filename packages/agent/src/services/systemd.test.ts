import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixture, GroupTracker, killChildren } from '../../test-fixtures/helpers.js';
import { makeStandin, SHOW_CALL, systemdSpec, type Standin } from '../../test-fixtures/standin.js';
import { ServiceCommandError } from './errors.js';
import { readProcStat } from './procfs-read.js';
import { SystemdManager } from './systemd.js';

let standin: Standin;
const tracker = new GroupTracker();
const children: ChildProcess[] = [];

/** A process of our own to stand for the unit's processes. */
function sleeper(): number {
  const c = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  children.push(c);
  tracker.add(c.pid);
  return c.pid!;
}

const alive = async (pid: number) => {
  const s = await readProcStat(pid);
  return s !== undefined && s.state !== 'Z';
};

beforeEach(() => {
  standin = makeStandin();
});

afterEach(async () => {
  await killChildren(children);
  expect(await tracker.killAll()).toEqual([]);
  rmSync(standin.dir, { recursive: true, force: true });
});

function manager(spec = systemdSpec()) {
  return new SystemdManager(spec, { env: standin.env, cgroupRoots: [standin.cgroupRoot], pollMs: 20 });
}

describe('SystemdManager (recording stand-in systemctl)', () => {
  it('status - runs systemctl show with a fixed argv; pids are MainPID plus the cgroup', async () => {
    standin.setUnit({ state: 'active', mainPid: 4242, cgroupPids: [4242, 4243] });
    const st = await manager().status();
    expect(st).toMatchObject({ state: 'running', pids: [4242, 4243], detail: 'active (running)' });
    expect(standin.calls()).toEqual([SHOW_CALL]);
  });

  it('status - failed unit', async () => {
    standin.setUnit({ state: 'failed' });
    expect(await manager().status()).toMatchObject({ state: 'failed', pids: [], detail: 'failed (failed), result exit-code, main process exited with status 1' });
  });

  it('stop - queues the stop and does not wait when nothing is left', async () => {
    standin.setUnit({ state: 'active', mainPid: 0 });
    const r = await manager().stop(5_000);
    expect(r).toEqual({ exited: true, forced: false, waitedMs: 0 });
    expect(standin.calls()).toEqual([SHOW_CALL, 'systemctl stop --no-block nginx.service']);
  });

  it('stop - waits up to the grace for the unit processes, and no longer', async () => {
    const pid = sleeper();
    standin.setUnit({ state: 'active', mainPid: pid, cgroupPids: [pid] });
    const t0 = Date.now();
    const r = await manager().stop(300);
    expect(r.exited).toBe(false);
    expect(r.waitedMs).toBeGreaterThanOrEqual(300);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('stop - returns as soon as the unit processes are gone', async () => {
    const pid = sleeper();
    standin.setUnit({ state: 'active', mainPid: pid, cgroupPids: [pid] });
    setTimeout(() => process.kill(pid, 'SIGTERM'), 100);
    const r = await manager().stop(5_000);
    expect(r.exited).toBe(true);
    expect(r.waitedMs).toBeLessThan(2_000);
  });

  it('forceKill - SIGKILLs MainPID and the cgroup members, nothing else', async () => {
    const main = sleeper();
    const worker = sleeper();
    const bystander = sleeper();
    standin.setUnit({ state: 'active', mainPid: main, cgroupPids: [main, worker] });
    await manager().forceKill();
    expect(await alive(main)).toBe(false);
    expect(await alive(worker)).toBe(false);
    expect(await alive(bystander)).toBe(true);
    // Found through systemctl show, never through a name match.
    expect(standin.calls()).toEqual([SHOW_CALL]);
  });

  it('start, restart, reset-failed, daemon-reload - fixed argv', async () => {
    standin.setUnit({ state: 'failed' });
    const m = manager();
    await m.resetFailed();
    await m.start();
    await m.restart();
    await m.daemonReload();
    expect(standin.calls()).toEqual([
      'systemctl reset-failed nginx.service',
      'systemctl start --no-block nginx.service',
      'systemctl restart --no-block nginx.service',
      'systemctl daemon-reload',
    ]);
  });

  it('recentLogs - journalctl -u UNIT -o json since the epoch second, cut to the exact ms', async () => {
    standin.setUnit({});
    writeFileSync(join(standin.dir, 'journal.jsonl'), fixture('journal-myapp-failed.jsonl'));
    const lines = await manager().recentLogs(1_732_606_872_041);
    expect(standin.calls()).toEqual(['journalctl -u nginx.service -o json --all --no-pager --since @1732606872']);
    expect(lines.map((l) => l.text)).toEqual([
      'Failed to parse config /etc/myapp/config.yml: unexpected token at line 3',
      '\u001b[31merror\u001b[0m config not loaded',
      'myapp.service: Main process exited, code=exited, status=1/FAILURE',
      "myapp.service: Failed with result 'exit-code'.",
    ]);
    expect(lines[0]).toMatchObject({ at: 1_732_606_872_041, stream: 'journal' });
  });

  it('recentLogs - nothing read when the journal is off for the service', async () => {
    standin.setUnit({});
    expect(await manager(systemdSpec({ journal: false })).recentLogs(0)).toEqual([]);
    expect(standin.calls()).toEqual([]);
  });

  it('errors - a failing systemctl is a ServiceCommandError carrying its stderr', async () => {
    standin.setUnit({});
    writeFileSync(join(standin.dir, 'fail-start'), 'Failed to start nginx.service: Unit nginx.service not found.\n');
    const err = await manager()
      .start()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceCommandError);
    expect((err as ServiceCommandError).message).toContain('Unit nginx.service not found.');
    expect((err as ServiceCommandError).exitCode).toBe(1);
  });

  it('onExit - none for systemd (polled), and close leaves the unit alone', async () => {
    standin.setUnit({});
    const m = manager();
    const unsubscribe = m.onExit(() => {});
    unsubscribe();
    await m.close();
    expect(standin.calls()).toEqual([]);
  });
});
