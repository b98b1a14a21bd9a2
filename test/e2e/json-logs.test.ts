import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../helpers/agent.js';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { hostStates } from '../helpers/http.js';
import { waitFor } from '../helpers/poll.js';
import { AGENT_BIN, COORDINATOR_BIN, spawnProgram, type Child } from '../helpers/processes.js';
import { fixture, probeService, toYaml } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Everything the coordinator and the agent print while they run is a JSON log line (pino),
 * from the first line to the last: their own start and stop lines, recovery steps, Node's
 * warnings and a crash. Only --help/--version and configuration errors found before the
 * logger exists are plain text (tested in bin.test.ts and e2e/config.test.ts).
 */

/** Lines of `text` that are not JSON objects. */
function notJson(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => {
      try {
        const v: unknown = JSON.parse(l);
        return typeof v !== 'object' || v === null;
      } catch {
        return true;
      }
    });
}

type LogLine = { level: number; msg: string; part?: string; code?: string; signal?: string; err?: { message?: string } };

function records(child: Child): LogLine[] {
  return child.stderr
    .text()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });
}

/**
 * Preloaded into the programs under test: SIGUSR2 makes Node emit a process warning (or,
 * with VIGIL_STAGE=crash, throw from a callback), the two things Node prints by itself.
 */
function stageFile(): string {
  const file = join(tempDir('json-logs-stage'), 'stage.cjs');
  writeFileSync(
    file,
    `process.on('SIGUSR2', () => {
  if (process.env.VIGIL_STAGE === 'crash') setImmediate(() => { throw new Error('staged crash'); });
  else process.emitWarning('staged warning', { code: 'VIGIL_STAGED' });
});
`,
  );
  return file;
}

describe('JSON logs of the running programs', () => {
  let stage: string;
  dumpLogsOnFailure();

  beforeAll(() => {
    stage = stageFile();
  });
  afterAll(() => teardown());

  it('json logs - a coordinator and an agent with a recovered service print only JSON lines, up to their SIGTERM stop', async () => {
    const coordinator = await Coordinator.start({ nats: 'none', env: { NODE_OPTIONS: `--require ${stage}` } });
    const port = await freePort();
    const configPath = join(tempDir('json-logs-agent'), 'agent.yaml');
    writeFileSync(
      configPath,
      toYaml({
        services: [
          {
            name: 'web',
            manager: 'process',
            command: [process.execPath, fixture.httpServer],
            env: { PORT: String(port) },
            checks: [{ type: 'http', url: `http://127.0.0.1:${port}/`, timeout: '1s' }],
            recovery: { watchAfterRestart: '500ms', stableAfterStart: '200ms', monitorEvery: '500ms', monitorFor: '1s' },
          },
        ],
      }),
    );
    const env = { ...process.env, VIGIL_AGENT_NODE_FLAGS: `--require ${stage}` };
    const agent = new Agent({ coordinator: coordinator.grpcTarget, hostId: 'json-1', extraArgs: ['--config', configPath] }, (name, args) => spawnProgram(name, AGENT_BIN, args, env));
    await waitFor(async () => (await hostStates(coordinator.baseUrl))['json-1'] === 'online', { timeoutMs: 15_000, what: 'json-1 online' });
    const first = await waitFor(async () => (await probeService(port, 500).catch(() => undefined))?.pid, { timeoutMs: 15_000, what: 'the service to serve' });

    // A crash and its recovery: the agent's recovery lines are part of what must be JSON.
    process.kill(first, 'SIGKILL');
    await waitFor(() => records(agent.child).some((r) => /recovered by/.test(r.msg)), { timeoutMs: 15_000, what: 'the recovery in the agent log', observe: () => agent.output() });

    // Node's own warnings, which it would print as "(node:42) Warning: …".
    for (const child of [coordinator.child, agent.child]) {
      child.signal('SIGUSR2');
      await waitFor(() => records(child).some((r) => r.code === 'VIGIL_STAGED' && r.part === 'node' && r.level === 40), { timeoutMs: 5000, what: `${child.name}: the staged warning as a JSON line`, observe: () => child.output() });
    }

    expect(await agent.stop()).toEqual({ code: 0, signal: null });
    expect(await coordinator.stop()).toEqual({ code: 0, signal: null });
    await waitFor(() => records(coordinator.child).some((r) => r.msg === 'stopped'), { timeoutMs: 2000, what: 'the coordinator\'s last line' });

    for (const child of [coordinator.child, agent.child]) {
      expect(notJson(child.stderr.text()), `${child.name}: every stderr line is JSON`).toEqual([]);
      expect(child.stdout.text(), `${child.name}: nothing on stdout`).toBe('');
      expect(child.stderr.text()).not.toContain('(node:');
    }
    const stopping = records(coordinator.child).find((r) => r.msg === 'stopping');
    expect(stopping).toMatchObject({ level: 30, signal: 'SIGTERM' });
    expect(records(agent.child).find((r) => r.msg === 'stopping')).toMatchObject({ level: 30, signal: 'SIGTERM' });
  });

  it('json logs - an uncaught exception in the agent is one fatal JSON line, then exit 1', async () => {
    const coordinator = await Coordinator.start({ nats: 'none', logLevel: 'warn' });
    const env = { ...process.env, VIGIL_AGENT_NODE_FLAGS: `--require ${stage}`, VIGIL_STAGE: 'crash' };
    const agent = new Agent({ coordinator: coordinator.grpcTarget, hostId: 'json-crash' }, (name, args) => spawnProgram(name, AGENT_BIN, args, env));
    await waitFor(async () => (await hostStates(coordinator.baseUrl))['json-crash'] === 'online', { timeoutMs: 15_000, what: 'json-crash online' });
    agent.child.signal('SIGUSR2');
    expect(await agent.child.waitExit(10_000)).toEqual({ code: 1, signal: null });
    const fatal = await waitFor(() => records(agent.child).find((r) => r.level === 60), { timeoutMs: 2000, what: 'the fatal line', observe: () => agent.output() });
    expect(fatal.msg).toBe('uncaught exception');
    expect(fatal.err?.message).toBe('staged crash');
    expect(notJson(agent.child.stderr.text())).toEqual([]);
    await coordinator.stop();
  });

  it('json logs - a coordinator that cannot start says why in a fatal JSON line and exits 1', async () => {
    // A data dir that is a file: the configuration parses, opening the store fails.
    const dataDir = join(tempDir('json-logs-file'), 'not-a-dir');
    writeFileSync(dataDir, 'x');
    const child = spawnProgram('vigil-coordinator (cannot start)', COORDINATOR_BIN, ['--grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', '--nats', 'none', '--data-dir', dataDir]);
    expect(await child.waitExit(10_000)).toEqual({ code: 1, signal: null });
    const fatal = await waitFor(() => records(child).find((r) => r.level === 60), { timeoutMs: 2000, what: 'the fatal line', observe: () => child.output() });
    expect(fatal.msg).toBe('cannot start');
    expect(fatal.err?.message).toBeTruthy();
    expect(notJson(child.stderr.text())).toEqual([]);
  });
});
