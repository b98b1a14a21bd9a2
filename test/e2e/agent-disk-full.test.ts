import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/poll.js';
import { stopAllChildren } from '../helpers/processes.js';
import { describeEvents, fixture, killServiceLeftovers, probeService, startServiceAgent, type ServiceAgent } from '../helpers/services.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

/**
 * The agent's data dir fills up (here: a 512 KiB tmpfs, filled to the last byte) while a
 * service fails and is recovered. The recovery goes on, its events reach the coordinator
 * from memory, the agent says so once at warn, and once space returns the journal writes
 * again (its ack file catches up). Mounting needs root: otherwise skipped with the reason.
 */
describe('agent events - a full data dir', () => {
  let coordinator: Coordinator;
  let mounted: string | undefined;
  dumpLogsOnFailure();

  beforeAll(async () => {
    coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn' });
  });
  afterAll(async () => {
    await stopAllChildren(5000);
    killServiceLeftovers();
    // Lazy: a leftover open file must not keep the mount (and fail the run) after the test.
    if (mounted) execFileSync('umount', ['-l', mounted]);
    removeTempDirs();
  });

  it('agent events - recovered on a full disk, events sent from memory, journaled again when space returns', { timeout: 90_000 }, async (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip('mounting a tmpfs for the agent data dir needs root');
    const dataDir = tempDir('agent-disk-full');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k,mode=0700', 'tmpfs', dataDir], { stdio: 'pipe' });
      mounted = dataDir;
    } catch (err) {
      ctx.skip(`cannot mount a tmpfs here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
    }
    const port = await freePort();
    const agent: ServiceAgent = startServiceAgent(coordinator.baseUrl, {
      coordinator: coordinator.grpcTarget,
      hostId: 'disk-full',
      logLevel: 'info', // the journal's recovery line is info
      dataDir,
      services: [
        {
          name: 'web',
          manager: 'process',
          command: [process.execPath, fixture.httpServer],
          env: { PORT: String(port) },
          checks: [{ type: 'http', url: `http://127.0.0.1:${port}/` }],
          recovery: { watchAfterRestart: '500ms', stableAfterStart: '200ms', monitorEvery: '200ms', monitorFor: '400ms', budget: { max: 20 } },
        },
      ],
    });
    await agent.waitHealthy('web');

    const filler = join(dataDir, 'filler');
    const fd = openSync(filler, 'w');
    try {
      for (;;) writeSync(fd, Buffer.alloc(4096, 1));
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }

    const warned = () => agent.agent.output().split('\n').filter((l) => l.includes('journal cannot write: ENOSPC'));
    let killed = 0;
    /** Kills the service and waits for the coordinator to have the recovery's success. */
    const failOnce = async (): Promise<number> => {
      const pid = await waitFor(async () => {
        const r = await probeService(port, 300).catch(() => undefined);
        return r?.status === 200 && r.pid !== undefined && r.pid !== killed ? r.pid : undefined;
      }, { timeoutMs: 20_000, what: 'the service serving from a new process' });
      killed = pid;
      const at = Date.now();
      process.kill(pid, 'SIGKILL');
      // The watch after the recovery ends last: then all of the recovery's events are in.
      await agent.waitEvents('web', (es) => es.some((e) => e.type === 'monitoring_ended' && e.atMs >= at), 'the recovery reported to the coordinator', 20_000);
      return at;
    };
    // The journal file's last page still takes a few lines once nothing else can be
    // written (tmpfs allocates whole pages): fail until a whole recovery stays off the disk.
    let at = 0;
    for (let i = 0; i < 8; i++) {
      at = await failOnce();
      if (agent.journal().every((e) => e.atMs < at)) break;
    }
    // That recovery was made entirely while the disk refused the journal: every event of it
    // reached the coordinator from memory, none is on disk.
    expect(agent.journal().filter((e) => e.atMs >= at)).toEqual([]);
    const whileFull = (await agent.events('web')).filter((e) => e.atMs >= at);
    expect(whileFull.map((e) => e.type), describeEvents(whileFull)).toEqual(expect.arrayContaining(['status_changed', 'recovery_started', 'recovery_succeeded']));
    expect(warned(), agent.agent.output()).toHaveLength(1); // once per episode

    unlinkSync(filler);
    await waitFor(() => /journal writes again/.test(agent.agent.output()), { timeoutMs: 15_000, what: 'the journal to write again', observe: () => agent.agent.output() });
    const ackFile = join(dataDir, 'events', 'events.ack');
    await waitFor(
      async () => {
        const lastStored = Math.max(...(await agent.events()).map((e) => e.eventSeq));
        return Number(readFileSync(ackFile, 'utf8').trim()) === lastStored;
      },
      { timeoutMs: 10_000, what: 'the ack file to catch up to the last stored event', observe: () => readFileSync(ackFile, 'utf8') },
    );
    // No event was sent twice, none is missing, and the service serves.
    const seqs = (await agent.events()).map((e) => e.eventSeq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect((await agent.detail()).events.filter((e) => e.type === 'event_gap')).toEqual([]);
    await agent.waitHealthy('web');
    console.log(`[observe] ${seqs.length} events stored, ${whileFull.length} of them made on the full disk`);
    await agent.stop();
  });
});
