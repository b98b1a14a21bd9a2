import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../helpers/agent.js';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { getHost, getRaw, hostStates } from '../helpers/http.js';
import { waitFor } from '../helpers/poll.js';
import { COORDINATOR_BIN, spawnProgram, stopAllChildren } from '../helpers/processes.js';
import { describeEvents, fixture, killServiceLeftovers, startServiceAgent, type ServiceAgent } from '../helpers/services.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

/**
 * A really full disk under a real coordinator: its data dir is a small tmpfs, filled with
 * a file while agents say Hello, Goodbye, die and report service events. The coordinator
 * must stay up, say it is not ready and why, still find the dead agent's host silent (from
 * memory), and once the file is deleted write everything it kept. Needs root (mount).
 */

/** Why this machine cannot run it, or undefined when it can. */
function cannotMount(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs as the data dir';
  const probe = mkdtempSync(join(tmpdir(), 'vigil-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const skipReason = cannotMount();

/** Writes zeros until the file system refuses (ENOSPC), in ever smaller pieces. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

async function readyz(baseUrl: string): Promise<{ status: number; body: { ready: boolean; reasons?: string[] } }> {
  const r = await getRaw(`${baseUrl}/readyz`);
  return { status: r.status, body: JSON.parse(r.body) };
}

function metric(text: string, name: string): number {
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe.skipIf(skipReason !== undefined)(`store - a full disk under a real coordinator${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  dumpLogsOnFailure();
  let mnt: string;
  let mounted = false;
  let coordinator: Coordinator;

  beforeAll(async () => {
    mnt = mkdtempSync(join(tmpdir(), 'vigil-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', mnt], { stdio: 'pipe' });
    mounted = true;
    const dataDir = join(mnt, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    // Heartbeats stored every second (30 s ships): they are the writes that meet the full
    // disk first, and the test waits for that; some are still held in memory between.
    coordinator = await Coordinator.start({ nats: 'none', dataDir, extraArgs: ['--disconnect-grace', '1s', '--heartbeat-store-interval', '1s'] });
  });

  afterAll(async () => {
    try {
      await stopAllChildren(5000);
      killServiceLeftovers();
    } finally {
      // The coordinator is stopped first: nothing holds the mount any more.
      if (mounted) {
        try {
          execFileSync('umount', [mnt], { stdio: 'pipe' });
        } catch {
          execFileSync('umount', ['-l', mnt], { stdio: 'pipe' });
        }
      }
      rmSync(mnt, { recursive: true, force: true });
      removeTempDirs();
    }
  });

  it('stays up through Hello, Goodbye, a stream end and service events on a full disk, detects the silent host from memory, and catches up once space returns', async () => {
    const base = coordinator.baseUrl;
    const killed = startAgent({ coordinator: coordinator.grpcTarget, hostId: 'fd-killed', interval: '500ms' });
    const leaving = startAgent({ coordinator: coordinator.grpcTarget, hostId: 'fd-leaving', interval: '500ms' });
    const port = await freePort();
    const svc: ServiceAgent = startServiceAgent(base, {
      coordinator: coordinator.grpcTarget,
      hostId: 'fd-svc',
      interval: '500ms',
      logLevel: 'warn',
      services: [
        {
          name: 'web',
          manager: 'process',
          command: [process.execPath, fixture.httpServer],
          env: { PORT: String(port) },
          recovery: { watchAfterRestart: '500ms', stableAfterStart: '200ms', monitorEvery: '500ms', monitorFor: '1s' },
        },
      ],
    });
    await waitFor(async () => {
      const s = await hostStates(base);
      return s['fd-killed'] === 'online' && s['fd-leaving'] === 'online' && s['fd-svc'] === 'online' ? s : undefined;
    }, { timeoutMs: 20_000, what: 'three agents online' });
    const before = await svc.waitHealthy('web');
    const eventsBefore = (await svc.events('web')).length;

    // The disk fills up.
    const filler = join(mnt, 'filler');
    const filled = fill(filler);
    console.log(`[observe] filled the data dir's tmpfs with ${(filled / 1048576).toFixed(1)} MiB`);
    const notReady = await waitFor(
      async () => {
        const r = await readyz(base);
        return r.status === 503 ? r : undefined;
      },
      { timeoutMs: 15_000, what: '/readyz 503 once writes fail' },
    );
    expect(notReady.body).toEqual({ ready: false, reasons: [expect.stringMatching(/^store cannot write since .*: database or disk is full$/)] });

    // Hello of a new host while full: accepted from memory.
    const late: Agent = startAgent({ coordinator: coordinator.grpcTarget, hostId: 'fd-late', interval: '500ms' });
    // Goodbye and a stream end without one.
    await leaving.stop();
    await killed.kill();
    // Service events: the agent journals them and sends them; they cannot be stored yet.
    process.kill(before.pids[0]!, 'SIGKILL');

    const states = await waitFor(async () => {
      const s = await hostStates(base);
      return s['fd-late'] === 'online' && s['fd-leaving'] === 'left' && s['fd-killed'] === 'silent' ? s : undefined;
    }, { timeoutMs: 20_000, what: 'fd-late online, fd-leaving left, fd-killed silent (from memory)', observe: () => hostStates(base) });
    expect(states['fd-svc']).toBe('online');
    expect(coordinator.child.running).toBe(true);
    const stillFull = await readyz(base);
    expect(stillFull.status, JSON.stringify(stillFull.body)).toBe(503);
    const health = JSON.parse((await getRaw(`${base}/healthz`)).body) as { status: string; store: string; reasons: string[] };
    expect(health).toMatchObject({ status: 'degraded', store: 'degraded', reasons: [expect.stringMatching(/database or disk is full; \d+ writes kept for catch-up/)] });
    // The service failed and was restarted meanwhile; its events wait in the agent's journal.
    await svc.waitHealthy('web');
    const metricsFull = (await getRaw(`${base}/metrics`)).body;
    expect(metric(metricsFull, 'vigil_store_degraded')).toBe(1);
    const failures = metric(metricsFull, 'vigil_store_write_failures_total');
    expect(failures).toBeGreaterThan(5);
    // One error line per degraded spell, not one per refused write.
    const episodes = (coordinator.output().match(/the store cannot write: degraded/g) ?? []).length;
    expect(episodes).toBeGreaterThanOrEqual(1);
    expect(episodes).toBeLessThanOrEqual(3);
    console.log(`[observe] while full: ${failures} refused writes, ${episodes} degraded line(s)`);

    // Space returns.
    rmSync(filler);
    await waitFor(async () => ((await readyz(base)).status === 200 ? true : undefined), { timeoutMs: 30_000, what: '/readyz 200 once space returns' });
    // The log is written asynchronously: the line may follow the 200 by a moment.
    const recovered = await waitFor(() => coordinator.output().split('\n').find((l) => l.includes('"msg":"the store takes writes again')), { timeoutMs: 5000, what: 'the recovered line' });
    const r = JSON.parse(recovered!.slice(recovered!.indexOf('{'))) as { degradedMs: number; failedWrites: number; caughtUp: number; dropped: number };
    expect(r.caughtUp).toBeGreaterThan(0);
    expect(r.dropped).toBe(0);
    console.log(`[observe] recovered: degraded ${r.degradedMs} ms, ${r.failedWrites} refused writes, ${r.caughtUp} kept writes caught up`);
    const metricsAfter = (await getRaw(`${base}/metrics`)).body;
    expect(metric(metricsAfter, 'vigil_store_degraded')).toBe(0);
    expect(metric(metricsAfter, 'vigil_store_caught_up_writes_total')).toBeGreaterThan(0);

    // What happened while full is in the store now (history and events are read from it).
    const history = async (id: string) => (await getHost(base, id)).history.map((t) => t.to).reverse();
    expect(await history('fd-late')).toEqual(['online']);
    expect(await history('fd-leaving')).toEqual(['online', 'left']);
    expect(await history('fd-killed')).toEqual(['online', 'suspect', 'silent']);
    const events = await svc.waitEvents('web', (es) => es.length > eventsBefore && es.some((e) => e.type === 'status_changed' && e.detail.startsWith('failed')), 'the service events sent while full, stored after', 20_000);
    const seqs = events.map((e) => e.eventSeq);
    // Nothing lost: sequence numbers are contiguous.
    expect(seqs, describeEvents(events)).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(coordinator.child.running).toBe(true);

    // The rows are in the file: a restarted coordinator loads every host in its last state.
    const exit = await coordinator.restart();
    expect(exit.code).toBe(0);
    const loaded = await hostStates(coordinator.baseUrl);
    expect(loaded).toMatchObject({ 'fd-killed': 'silent', 'fd-leaving': 'left', 'fd-late': 'online', 'fd-svc': 'online' });

    // Started again while the disk is full: it comes up (ports.json cannot be written, so
    // it is started here by hand on its known ports), refuses nothing, and recovers.
    // Stopped while there is space: its last checkpoint then always completes and deletes
    // the write-ahead log and its index, so the start below must make the index on a full
    // disk. (A stop on a full disk keeps them whenever the checkpoint needs a page more,
    // which depends on what was written, and the start would not meet that case.)
    await coordinator.stop();
    fill(filler);
    const again = spawnProgram('vigil-coordinator (on a full disk)', COORDINATOR_BIN, coordinator.args());
    await waitFor(async () => {
      if (!again.running) throw new Error(`exited on a full disk\n${again.output()}`);
      return (await getRaw(`${base}/healthz`, 1000)).status === 200 ? true : undefined;
    }, { timeoutMs: 20_000, what: 'the coordinator to answer /healthz after a start on a full disk', observe: () => again.output() });
    // Written after the listeners are up, and logged asynchronously: polled.
    await waitFor(() => /could not write ports\.json/.test(again.output()) || undefined, { timeoutMs: 5000, what: 'the ports.json error line' });
    // The WAL index could not be made as a file: the store says it was opened exclusively.
    expect(again.output()).toMatch(/the store is opened in exclusive mode/);
    // The agents reconnect with backoff (at most 10 s apart).
    await waitFor(async () => ((await readyz(base)).status === 503 ? true : undefined), { timeoutMs: 30_000, what: '/readyz 503 once the reconnected agents\' writes fail' });
    expect(await hostStates(base)).toMatchObject({ 'fd-late': 'online', 'fd-svc': 'online' });
    rmSync(filler);
    await waitFor(async () => ((await readyz(base)).status === 200 ? true : undefined), { timeoutMs: 30_000, what: '/readyz 200 once space returns again' });
    expect(again.running).toBe(true);
    await late.stop();
    await svc.stop();
  }, 120_000);
});
